package registry

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/ids"
)

const maxAddresses = 20

var addressIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// AddressInput is an address in a request. ID is optional: an address without one gets
// a new id, and on update an address that keeps its id stays the same address.
type AddressInput struct {
	ID       string   `json:"id,omitempty" doc:"optional; send the id you read to keep an address's identity"`
	Label    string   `json:"label,omitempty" doc:"home, office…"`
	Line     string   `json:"line" doc:"street and number"`
	City     string   `json:"city"`
	Province string   `json:"province"`
	Lat      *float64 `json:"lat" doc:"latitude, -90 to 90"`
	Lon      *float64 `json:"lon" doc:"longitude, -180 to 180"`
}

// CustomerInput creates a customer; it is also the request body, and the inline
// customer of a sales-order import.
type CustomerInput struct {
	Name             string         `json:"name"`
	Phone            string         `json:"phone" doc:"unique per customer; +86 and separators are ignored"`
	Email            string         `json:"email,omitempty"`
	Addresses        []AddressInput `json:"addresses" doc:"at least one"`
	DefaultAddressID string         `json:"default_address_id,omitempty" doc:"an id given in addresses; default: the first"`
}

// Validate reports every invalid field at once.
func (in CustomerInput) Validate() error {
	f := apperr.Fields{}
	in.check(f, "")
	return f.Err()
}

// check records the input's problems under prefix ("" or "customer.").
func (in CustomerInput) check(f apperr.Fields, prefix string) {
	if f.Required(prefix+"name", in.Name) {
		f.MaxLen(prefix+"name", strings.TrimSpace(in.Name), 100)
	}
	checkPhone(f, prefix+"phone", NormalizePhone(in.Phone))
	checkEmail(f, prefix+"email", normalizeEmail(in.Email))
	checkAddresses(f, prefix, in.Addresses, in.DefaultAddressID)
}

func checkPhone(f apperr.Fields, field, phone string) {
	if f.Required(field, phone) && !phonePattern.MatchString(phone) {
		f.Add(field, "must be 6 to 15 digits, optionally starting with +")
	}
}

func checkEmail(f apperr.Fields, field, email string) {
	if email == "" {
		return
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		f.Add(field, "must be an email address like name@example.com")
	}
}

func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkAddresses(f apperr.Fields, prefix string, addrs []AddressInput, defaultID string) {
	field := prefix + "addresses"
	if len(addrs) == 0 || len(addrs) > maxAddresses {
		f.Add(field, "must hold 1 to %d addresses", maxAddresses)
		return
	}
	seen := map[string]bool{}
	for i, a := range addrs {
		p := fmt.Sprintf("%s[%d].", field, i)
		a.check(f, p)
		id := strings.TrimSpace(a.ID)
		if id != "" && seen[id] {
			f.Add(p+"id", "is used by another address")
		}
		seen[id] = true
	}
	if d := strings.TrimSpace(defaultID); d != "" && !seen[d] {
		f.Add(prefix+"default_address_id", "must be the id of one of the addresses")
	}
}

func (a AddressInput) check(f apperr.Fields, p string) {
	if id := strings.TrimSpace(a.ID); id != "" && !addressIDPattern.MatchString(id) {
		f.Add(p+"id", "must be 1 to 40 letters, digits, - or _")
	}
	f.MaxLen(p+"label", strings.TrimSpace(a.Label), 32)
	for _, c := range []struct {
		field, value string
		max          int
	}{{"line", a.Line, 200}, {"city", a.City, 64}, {"province", a.Province, 64}} {
		if f.Required(p+c.field, c.value) {
			f.MaxLen(p+c.field, strings.TrimSpace(c.value), c.max)
		}
	}
	checkCoordinate(f, p+"lat", a.Lat, 90)
	checkCoordinate(f, p+"lon", a.Lon, 180)
}

func checkCoordinate(f apperr.Fields, field string, v *float64, limit float64) {
	if v == nil {
		f.Add(field, "is required")
		return
	}
	f.Range(field, *v, -limit, limit)
}

// addresses normalises valid inputs, giving new addresses an id.
func addresses(in []AddressInput) []addressDoc {
	out := make([]addressDoc, len(in))
	for i, a := range in {
		id := strings.TrimSpace(a.ID)
		if id == "" {
			id = ids.New("ADR")
		}
		out[i] = addressDoc{ID: id, Label: strings.TrimSpace(a.Label), Line: strings.TrimSpace(a.Line),
			City: strings.TrimSpace(a.City), Province: strings.TrimSpace(a.Province), Lat: *a.Lat, Lon: *a.Lon}
	}
	return out
}

// defaultAddress keeps want when it names one of addrs, else falls back to the first.
func defaultAddress(addrs []addressDoc, want string) string {
	for _, a := range addrs {
		if a.ID == strings.TrimSpace(want) {
			return a.ID
		}
	}
	return addrs[0].ID
}

// customerDoc is a customer as stored.
type customerDoc struct {
	ID               string       `bson:"_id"`
	Name             string       `bson:"name"`
	NameKey          string       `bson:"name_key"` // lower case, for prefix search
	Phone            string       `bson:"phone"`    // normalised; unique
	Email            string       `bson:"email,omitempty"`
	Addresses        []addressDoc `bson:"addresses"`
	DefaultAddressID string       `bson:"default_address_id"`
	aggregate.Base   `bson:",inline"`
}

type addressDoc struct {
	ID       string  `bson:"id"`
	Label    string  `bson:"label,omitempty"`
	Line     string  `bson:"line"`
	City     string  `bson:"city"`
	Province string  `bson:"province"`
	Lat      float64 `bson:"lat"`
	Lon      float64 `bson:"lon"`
}

// newCustomerDoc validates in and builds the customer it describes.
func newCustomerDoc(id string, in CustomerInput) (customerDoc, error) {
	if err := in.Validate(); err != nil {
		return customerDoc{}, err
	}
	addrs := addresses(in.Addresses)
	name := strings.TrimSpace(in.Name)
	return customerDoc{ID: id, Name: name, NameKey: nameKey(name), Phone: NormalizePhone(in.Phone),
		Email: normalizeEmail(in.Email), Addresses: addrs, DefaultAddressID: defaultAddress(addrs, in.DefaultAddressID)}, nil
}

func nameKey(name string) string { return strings.ToLower(strings.Join(strings.Fields(name), " ")) }

func (d customerDoc) toCustomer() Customer {
	c := Customer{ID: d.ID, Name: d.Name, Phone: d.Phone, Email: d.Email, DefaultAddressID: d.DefaultAddressID,
		Version: d.Version, CreatedAt: d.CreatedAt, Addresses: make([]Address, len(d.Addresses))}
	for i, a := range d.Addresses {
		c.Addresses[i] = Address{ID: a.ID, Label: a.Label, Line: a.Line, City: a.City, Province: a.Province, Lat: a.Lat, Lon: a.Lon}
	}
	return c
}

// AddressView is an address as the API shows it.
type AddressView struct {
	ID       string  `json:"id"`
	Label    string  `json:"label,omitempty"`
	Line     string  `json:"line"`
	City     string  `json:"city"`
	Province string  `json:"province"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
}

// CustomerView is a customer as the API shows it to one role.
type CustomerView struct {
	ID               string        `json:"id"`
	Name             string        `json:"name"`
	Phone            string        `json:"phone" doc:"masked (138****5678) for roles that do not need it"`
	PhoneMasked      bool          `json:"phone_masked"`
	Email            string        `json:"email,omitempty" doc:"masked with the phone"`
	Addresses        []AddressView `json:"addresses"`
	DefaultAddressID string        `json:"default_address_id"`
	Version          int64         `json:"version"`
	CreatedAt        time.Time     `json:"created_at"`
}

// ViewCustomer shows c to role, masking contact details the role does not need.
func ViewCustomer(c Customer, role string) CustomerView {
	v := CustomerView{ID: c.ID, Name: c.Name, Phone: c.Phone, Email: c.Email, DefaultAddressID: c.DefaultAddressID,
		Version: c.Version, CreatedAt: c.CreatedAt, Addresses: make([]AddressView, len(c.Addresses))}
	for i, a := range c.Addresses {
		v.Addresses[i] = AddressView(a)
	}
	if !CanSeePhone(role) {
		v.Phone, v.PhoneMasked, v.Email = MaskPhone(c.Phone), true, maskEmail(c.Email)
	}
	return v
}

// maskEmail keeps the first letter of the local part and the domain: z***@example.com.
func maskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return ""
	}
	return string([]rune(local)[:1]) + "***@" + domain
}
