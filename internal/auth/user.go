package auth

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// Password length limits: bcrypt reads at most 72 bytes, so a longer password would
// silently lose its tail.
const (
	MinPasswordLen   = 10
	maxPasswordBytes = 72
)

// bindingsByRole lists the bindings each role must carry; any other binding is refused,
// so a role change cannot leave a stale warehouse or outlet grant behind.
var bindingsByRole = map[string][]string{
	RoleWarehouse:  {"warehouse_id"},
	RoleOutlet:     {"outlet_id"},
	RoleTechnician: {"technician_id", "outlet_id"},
}

var phoneChars = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

// Profile is what an admin may change about a user: name, phone, role, tier and bindings.
type Profile struct {
	Name         string `bson:"name"`
	Phone        string `bson:"phone,omitempty"`
	Role         string `bson:"role"`
	Tier         string `bson:"tier,omitempty"`
	WarehouseID  string `bson:"warehouse_id,omitempty"`
	OutletID     string `bson:"outlet_id,omitempty"`
	TechnicianID string `bson:"technician_id,omitempty"`
}

// normalize trims input and gives agents the first tier when none is set.
func (p Profile) normalize() Profile {
	p.Name = strings.TrimSpace(p.Name)
	p.Phone = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(p.Phone))
	p.Role = strings.TrimSpace(p.Role)
	p.Tier = strings.ToUpper(strings.TrimSpace(p.Tier))
	p.WarehouseID = strings.TrimSpace(p.WarehouseID)
	p.OutletID = strings.TrimSpace(p.OutletID)
	p.TechnicianID = strings.TrimSpace(p.TechnicianID)
	if p.Role == RoleAgent && p.Tier == "" {
		p.Tier = TierL1
	}
	return p
}

func (p Profile) check(f apperr.Fields) {
	if f.Required("name", p.Name) {
		f.MaxLen("name", p.Name, 100)
	}
	if p.Phone != "" && !phoneChars.MatchString(p.Phone) {
		f.Add("phone", "must be 6 to 15 digits, optionally starting with +")
	}
	if f.Required("role", p.Role) && f.OneOf("role", p.Role, Roles()...) {
		p.checkTier(f)
		p.checkBindings(f)
	}
}

func (p Profile) checkTier(f apperr.Fields) {
	if p.Role == RoleAgent {
		f.OneOf("tier", p.Tier, Tiers()...)
	} else if p.Tier != "" {
		f.Add("tier", "only agents have a tier")
	}
}

func (p Profile) checkBindings(f apperr.Fields) {
	values := map[string]string{"warehouse_id": p.WarehouseID, "outlet_id": p.OutletID, "technician_id": p.TechnicianID}
	for field, v := range values {
		needed := slices.Contains(bindingsByRole[p.Role], field)
		switch {
		case needed && v == "":
			f.Add(field, "is required for role %s", p.Role)
		case !needed && v != "":
			f.Add(field, "must be empty for role %s", p.Role)
		default:
			f.MaxLen(field, v, 64)
		}
	}
}

func checkEmail(f apperr.Fields, email string) {
	if !f.Required("email", email) {
		return
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		f.Add("email", "must be an email address like name@example.com")
	}
}

func checkPassword(f apperr.Fields, pw string) {
	switch {
	case pw == "":
		f.Add("password", "is required")
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		f.Add("password", "must be at least %d characters", MinPasswordLen)
	case len(pw) > maxPasswordBytes:
		f.Add("password", "must be at most %d bytes", maxPasswordBytes)
	}
}

// normalizeEmail is the one form of an email address that is stored and looked up.
func normalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CreateUserInput is what it takes to create a user; it is also the request body.
type CreateUserInput struct {
	Email        string `json:"email"`
	Password     string `json:"password" doc:"at least 10 characters"`
	Name         string `json:"name"`
	Phone        string `json:"phone,omitempty"`
	Role         string `json:"role" doc:"agent, supervisor, dispatcher, warehouse, outlet, technician, finance or admin"`
	Tier         string `json:"tier,omitempty" doc:"agents only: L1 (default), L2 or L3"`
	WarehouseID  string `json:"warehouse_id,omitempty" doc:"required for role warehouse"`
	OutletID     string `json:"outlet_id,omitempty" doc:"required for roles outlet and technician"`
	TechnicianID string `json:"technician_id,omitempty" doc:"required for role technician"`
}

func (in CreateUserInput) profile() Profile {
	return Profile{Name: in.Name, Phone: in.Phone, Role: in.Role, Tier: in.Tier,
		WarehouseID: in.WarehouseID, OutletID: in.OutletID, TechnicianID: in.TechnicianID}.normalize()
}

// Validate reports every invalid field at once.
func (in CreateUserInput) Validate() error {
	f := apperr.Fields{}
	checkEmail(f, normalizeEmail(in.Email))
	checkPassword(f, in.Password)
	in.profile().check(f)
	return f.Err()
}

// userDoc is a user as stored in the users collection.
type userDoc struct {
	ID             string `bson:"_id"`
	Email          string `bson:"email"`
	Profile        `bson:",inline"`
	PhoneKey       string `bson:"phone_key"` // see phoneKey
	PasswordHash   []byte `bson:"password_hash"`
	Disabled       bool   `bson:"disabled"`
	aggregate.Base `bson:",inline"`
}

// newUserDoc validates in and builds the user it describes, without a password hash.
func newUserDoc(id string, in CreateUserInput) (userDoc, error) {
	if err := in.Validate(); err != nil {
		return userDoc{}, err
	}
	d := userDoc{ID: id, Email: normalizeEmail(in.Email), Profile: in.profile()}
	d.PhoneKey = phoneKey(id, d.Phone)
	return d, nil
}

// phoneKey backs the unique index that keeps phone numbers (a mobile login name)
// unique. Users without a phone get a key of their own: without partial or sparse
// indexes (FerretDB has neither), missing values would collide with each other.
func phoneKey(id, phone string) string {
	if phone == "" {
		return "none:" + id
	}
	return phone
}

func (d userDoc) principal(aud, device string) Principal {
	return Principal{UserID: d.ID, Role: d.Role, Tier: d.Tier, WarehouseID: d.WarehouseID,
		OutletID: d.OutletID, TechnicianID: d.TechnicianID, DeviceID: device, Audience: aud}
}

// User is a user as the API shows it; it never carries the password hash.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Phone        string    `json:"phone,omitempty"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	Tier         string    `json:"tier,omitempty"`
	WarehouseID  string    `json:"warehouse_id,omitempty"`
	OutletID     string    `json:"outlet_id,omitempty"`
	TechnicianID string    `json:"technician_id,omitempty"`
	Disabled     bool      `json:"disabled"`
	Version      int64     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func (d userDoc) toUser() User {
	return User{ID: d.ID, Email: d.Email, Phone: d.Phone, Name: d.Name, Role: d.Role, Tier: d.Tier,
		WarehouseID: d.WarehouseID, OutletID: d.OutletID, TechnicianID: d.TechnicianID,
		Disabled: d.Disabled, Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}
