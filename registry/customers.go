package registry

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// CreateCustomer validates in and creates the customer. A phone number that already
// belongs to a customer is a conflict naming that customer.
func (s *Service) CreateCustomer(ctx context.Context, actor aggregate.Actor, in CustomerInput) (Customer, error) {
	d, err := newCustomerDoc(ids.New("CUS"), in)
	if err != nil {
		return Customer{}, err
	}
	entry := aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: "created"}
	if err := s.customers.Create(ctx, d.ID, d, entry); err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			return Customer{}, s.phoneTaken(ctx, d.Phone)
		}
		return Customer{}, err
	}
	return s.Customer(ctx, d.ID)
}

func (s *Service) phoneTaken(ctx context.Context, phone string) error {
	e := &apperr.Error{Code: apperr.CodeConflict, Message: "another customer has this phone number",
		Details: map[string]string{"phone": "already belongs to another customer"}}
	if other, err := s.customerByPhone(ctx, phone); err == nil {
		e.Details["phone"] = "already belongs to customer " + other.ID
	}
	return e
}

func (s *Service) customerByPhone(ctx context.Context, phone string) (customerDoc, error) {
	var d customerDoc
	err := s.customers.Collection().FindOne(ctx, bson.D{{Key: "phone", Value: NormalizePhone(phone)}}, &d)
	return d, err
}

// customerForOrder returns the id of the customer with in's phone, creating the
// customer from in when there is none. Existing customers are not changed by an import.
func (s *Service) customerForOrder(ctx context.Context, actor aggregate.Actor, in CustomerInput) (string, error) {
	d, err := s.customerByPhone(ctx, in.Phone)
	if err == nil {
		return d.ID, nil
	}
	if !errors.Is(err, mongox.ErrNotFound) {
		return "", err
	}
	c, err := s.CreateCustomer(ctx, actor, in)
	if errors.Is(err, apperr.ErrConflict) { // another import created them meanwhile
		d, err = s.customerByPhone(ctx, in.Phone)
		return d.ID, err
	}
	return c.ID, err
}

// CustomerQuery filters a customer search; empty fields do not filter.
type CustomerQuery struct {
	Phone string // exact, after NormalizePhone
	Name  string // prefix of the name, case-insensitive
}

// listProjection leaves out what a list never shows.
var listProjection = bson.D{{Key: "history", Value: 0}, {Key: "outbox", Value: 0}, {Key: "outbox_dead", Value: 0}}

// SearchCustomers returns a page of customers matching q, ordered by id.
func (s *Service) SearchCustomers(ctx context.Context, q CustomerQuery, page httpx.Page) (httpx.PageResult[Customer], error) {
	filter := bson.D{}
	if p := NormalizePhone(q.Phone); p != "" {
		filter = append(filter, bson.E{Key: "phone", Value: p})
	}
	if n := nameKey(q.Name); n != "" {
		filter = append(filter, bson.E{Key: "name_key", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(n)}}})
	}
	var docs []customerDoc
	if err := s.customers.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(listProjection)); err != nil {
		return httpx.PageResult[Customer]{}, err
	}
	out := make([]Customer, len(docs))
	for i, d := range docs {
		out[i] = d.toCustomer()
	}
	return httpx.NewPageResult(out, page.Limit, func(c Customer) string { return c.ID }), nil
}

// UpdateCustomerInput changes some fields of a customer; absent fields stay as they
// are. Version is the version the caller read: the change lands only on that version.
type UpdateCustomerInput struct {
	Version          int64           `json:"version" doc:"the version you read; a stale one answers 409"`
	Name             *string         `json:"name,omitempty"`
	Phone            *string         `json:"phone,omitempty"`
	Email            *string         `json:"email,omitempty" doc:"empty string removes it"`
	Addresses        *[]AddressInput `json:"addresses,omitempty" doc:"replaces the whole list; keep ids to keep addresses"`
	DefaultAddressID *string         `json:"default_address_id,omitempty"`
}

// Validate checks what can be checked without the stored customer.
func (in UpdateCustomerInput) Validate() error {
	if in.Version < 1 {
		return (apperr.Fields{"version": "is required: the version you read"}).Err()
	}
	if in == (UpdateCustomerInput{Version: in.Version}) {
		return apperr.New(apperr.CodeValidation, "request changes nothing")
	}
	return nil
}

// merge is the stored customer with in's changes, as a whole input to validate. A
// default address that the new list drops falls back to the first address.
func (in UpdateCustomerInput) merge(d customerDoc) CustomerInput {
	c := CustomerInput{Name: d.Name, Phone: d.Phone, Email: d.Email, DefaultAddressID: d.DefaultAddressID}
	for _, a := range d.Addresses {
		c.Addresses = append(c.Addresses, AddressInput{ID: a.ID, Label: a.Label, Line: a.Line, City: a.City,
			Province: a.Province, Lat: &a.Lat, Lon: &a.Lon})
	}
	for _, p := range []struct{ from, to *string }{{in.Name, &c.Name}, {in.Phone, &c.Phone}, {in.Email, &c.Email}} {
		if p.from != nil {
			*p.to = *p.from
		}
	}
	if in.Addresses != nil {
		c.Addresses = *in.Addresses
		if !slices.ContainsFunc(c.Addresses, func(a AddressInput) bool { return strings.TrimSpace(a.ID) == c.DefaultAddressID }) {
			c.DefaultAddressID = ""
		}
	}
	if in.DefaultAddressID != nil {
		c.DefaultAddressID = *in.DefaultAddressID
	}
	return c
}

// UpdateCustomer applies in to the customer with id in one conditional update.
func (s *Service) UpdateCustomer(ctx context.Context, actor aggregate.Actor, id string, in UpdateCustomerInput) (Customer, error) {
	if err := in.Validate(); err != nil {
		return Customer{}, err
	}
	var cur customerDoc
	if err := s.customers.Load(ctx, id, &cur); err != nil {
		return Customer{}, err
	}
	if cur.Version != in.Version {
		return Customer{}, apperr.VersionConflict("customer")
	}
	next, err := newCustomerDoc(id, in.merge(cur))
	if err != nil {
		return Customer{}, err
	}
	set, changed := customerDiff(cur, next)
	if len(changed) == 0 {
		return cur.toCustomer(), nil
	}
	if err := s.checkPhoneFree(ctx, id, next.Phone); err != nil {
		return Customer{}, err
	}
	err = s.customers.Apply(ctx, aggregate.Change{ID: id, Version: in.Version, Set: set,
		Entry: aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: "updated", Note: "changed: " + strings.Join(changed, ", ")}})
	if errors.Is(err, mongox.ErrDuplicate) {
		return Customer{}, s.phoneTaken(ctx, next.Phone)
	}
	if err != nil {
		return Customer{}, err
	}
	return s.Customer(ctx, id)
}

// checkPhoneFree refuses a phone that another customer holds. The unique index has the
// last word, but FerretDB reports its violation by an update as an internal error, so
// the common case is checked first to answer it as the conflict it is.
func (s *Service) checkPhoneFree(ctx context.Context, id, phone string) error {
	other, err := s.customerByPhone(ctx, phone)
	switch {
	case errors.Is(err, mongox.ErrNotFound):
		return nil
	case err != nil:
		return err
	case other.ID != id:
		return s.phoneTaken(ctx, phone)
	}
	return nil
}

func customerDiff(cur, next customerDoc) (bson.D, []string) {
	var set bson.D
	var changed []string
	add := func(field string, differs bool, kv ...bson.E) {
		if differs {
			changed, set = append(changed, field), append(set, kv...)
		}
	}
	add("name", cur.Name != next.Name, bson.E{Key: "name", Value: next.Name}, bson.E{Key: "name_key", Value: next.NameKey})
	add("phone", cur.Phone != next.Phone, bson.E{Key: "phone", Value: next.Phone})
	add("email", cur.Email != next.Email, bson.E{Key: "email", Value: next.Email})
	add("addresses", !slices.Equal(cur.Addresses, next.Addresses), bson.E{Key: "addresses", Value: next.Addresses})
	add("default_address_id", cur.DefaultAddressID != next.DefaultAddressID,
		bson.E{Key: "default_address_id", Value: next.DefaultAddressID})
	return set, changed
}
