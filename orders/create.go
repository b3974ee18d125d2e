package orders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/registry"
)

// Limits of order fields.
const (
	maxNotes       = 2000
	maxText        = 1000
	maxAddress     = 300
	maxWindow      = 14 * 24 * time.Hour
	maxParts       = 50
	maxReferenceID = 64
)

// SiteInput is a site given by hand instead of one of the customer's addresses.
type SiteInput struct {
	Address  string   `json:"address"`
	City     string   `json:"city,omitempty"`
	Province string   `json:"province,omitempty"`
	Lat      *float64 `json:"lat"`
	Lon      *float64 `json:"lon"`
}

// WindowInput is a visit window in RFC 3339 times.
type WindowInput struct {
	Start string `json:"start" doc:"RFC 3339, e.g. 2026-03-02T14:00:00+08:00"`
	End   string `json:"end"`
}

// CreateInput is a service order an agent or dispatcher creates; it is also the
// request body.
type CreateInput struct {
	Type        string       `json:"type" doc:"repair, installation, maintenance or inspection"`
	CustomerID  string       `json:"customer_id"`
	Serial      string       `json:"serial" doc:"a unit registered to the customer"`
	AddressID   string       `json:"address_id,omitempty" doc:"one of the customer's addresses; default: their default address"`
	Site        *SiteInput   `json:"site,omitempty" doc:"a site given by hand, instead of address_id"`
	Appointment *WindowInput `json:"appointment,omitempty" doc:"when the customer wants the visit; absent: as soon as possible"`
	Priority    string       `json:"priority,omitempty" doc:"normal (default) or urgent"`
	ResolveBy   string       `json:"resolve_by,omitempty" doc:"RFC 3339 SLA deadline"`
	Notes       string       `json:"notes,omitempty" doc:"at most 2000 characters"`
}

// Validate reports every invalid field at once, without looking anything up.
func (in CreateInput) Validate() error {
	_, err := in.parse(apperr.Fields{})
	return err
}

// parsed is a CreateInput checked and converted.
type parsed struct {
	in          CreateInput
	site        *Site
	appointment *Window
	resolveBy   *time.Time
}

func (in CreateInput) parse(f apperr.Fields) (parsed, error) {
	in.Type, in.CustomerID = strings.TrimSpace(in.Type), strings.TrimSpace(in.CustomerID)
	in.Serial, in.Notes = registry.NormalizeSerial(in.Serial), strings.TrimSpace(in.Notes)
	in.AddressID, in.Priority = strings.TrimSpace(in.AddressID), strings.TrimSpace(in.Priority)
	if in.Priority == "" {
		in.Priority = PriorityNormal
	}
	if f.Required("type", in.Type) {
		f.OneOf("type", in.Type, Types()...)
	}
	requireID(f, "customer_id", in.CustomerID)
	requireID(f, "serial", in.Serial)
	f.OneOf("priority", in.Priority, Priorities()...)
	f.MaxLen("notes", in.Notes, maxNotes)
	f.MaxLen("address_id", in.AddressID, maxReferenceID)
	p := parsed{in: in, appointment: parseWindow(f, "appointment", in.Appointment)}
	if in.Site != nil && in.AddressID != "" {
		f.Add("site", "give site or address_id, not both")
	}
	p.site = in.Site.site(f)
	if in.ResolveBy != "" {
		t := parseTime(f, "resolve_by", in.ResolveBy)
		p.resolveBy = &t
	}
	return p, f.Err()
}

func requireID(f apperr.Fields, field, v string) {
	if f.Required(field, v) {
		f.MaxLen(field, v, maxReferenceID)
	}
}

func (in *SiteInput) site(f apperr.Fields) *Site {
	if in == nil {
		return nil
	}
	s := &Site{Address: strings.TrimSpace(in.Address), City: strings.TrimSpace(in.City), Province: strings.TrimSpace(in.Province)}
	if f.Required("site.address", s.Address) {
		f.MaxLen("site.address", s.Address, maxAddress)
	}
	f.MaxLen("site.city", s.City, 100)
	f.MaxLen("site.province", s.Province, 100)
	for _, c := range []struct {
		field string
		v     *float64
		limit float64
		dst   *float64
	}{{"site.lat", in.Lat, 90, &s.Lat}, {"site.lon", in.Lon, 180, &s.Lon}} {
		if c.v == nil {
			f.Add(c.field, "is required")
			continue
		}
		f.Range(c.field, *c.v, -c.limit, c.limit)
		*c.dst = *c.v
	}
	return s
}

func parseTime(f apperr.Fields, field, s string) time.Time {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		f.Add(field, "must be an RFC 3339 time such as 2026-03-02T09:00:00+08:00")
	}
	return t.UTC().Truncate(time.Millisecond)
}

func parseWindow(f apperr.Fields, field string, in *WindowInput) *Window {
	if in == nil {
		return nil
	}
	w := &Window{Start: parseTime(f, field+".start", in.Start), End: parseTime(f, field+".end", in.End)}
	switch {
	case !w.End.After(w.Start):
		f.Add(field+".end", "must be after %s.start", field)
	case w.End.Sub(w.Start) > maxWindow:
		f.Add(field+".end", "must be at most 14 days after %s.start", field)
	}
	return w
}

// checkFuture records field when t is not after now.
func checkFuture(f apperr.Fields, field string, t *time.Time, now time.Time) {
	if t != nil && !t.After(now) {
		f.Add(field, "must be in the future")
	}
}

// Create validates in against the registry and creates the order, which goes to
// dispatch at once.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (*ServiceOrder, error) {
	if !p.HasRole(creators...) {
		return nil, apperr.Forbidden("your role may not create service orders")
	}
	f := apperr.Fields{}
	pi, err := in.parse(f)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	checkFuture(f, "resolve_by", pi.resolveBy, now)
	if pi.appointment != nil {
		checkFuture(f, "appointment.end", &pi.appointment.End, now)
	}
	d, err := s.lookUp(ctx, f, pi)
	if err != nil {
		return nil, err
	}
	o := s.newOrder(ids.New("SO"), d)
	if err := s.create(ctx, p.Actor(), o, "created by hand"); err != nil {
		return nil, err
	}
	return s.load(ctx, o.ID)
}

// draft is what a new order is made of.
type draft struct {
	typ, priority, notes string
	customer             registry.Customer
	unit                 *registry.Unit
	product              *registry.Product
	site                 *Site
	appointment          *Window
	resolveBy            *time.Time
}

// lookUp checks the customer, the unit and the site against the registry, adding to f.
func (s *Service) lookUp(ctx context.Context, f apperr.Fields, pi parsed) (draft, error) {
	d := draft{typ: pi.in.Type, priority: pi.in.Priority, notes: pi.in.Notes, appointment: pi.appointment,
		resolveBy: pi.resolveBy, site: pi.site}
	c, err := s.dir.Customer(ctx, pi.in.CustomerID)
	if notFound(err) {
		f.Add("customer_id", "no such customer")
		return d, f.Err()
	} else if err != nil {
		return d, err
	}
	d.customer = c
	if err := s.lookUpUnit(ctx, f, &d, pi.in.Serial); err != nil {
		return d, err
	}
	if d.site == nil {
		d.site = customerSite(f, c, pi.in.AddressID)
	}
	return d, f.Err()
}

func (s *Service) lookUpUnit(ctx context.Context, f apperr.Fields, d *draft, serial string) error {
	u, err := s.dir.Unit(ctx, serial)
	switch {
	case notFound(err):
		f.Add("serial", "no such unit")
		return nil
	case err != nil:
		return err
	case u.CustomerID != d.customer.ID:
		f.Add("serial", "is not registered to this customer")
		return nil
	}
	d.unit = &u
	p, err := s.dir.Product(ctx, u.SKU)
	if err != nil && !notFound(err) {
		return err
	}
	if err == nil {
		d.product = &p
	}
	return nil
}

// customerSite is the customer's address addressID, or their default address.
func customerSite(f apperr.Fields, c registry.Customer, addressID string) *Site {
	if addressID == "" {
		a, ok := c.DefaultAddress()
		if !ok {
			f.Add("site", "the customer has no address on file; give a site")
			return nil
		}
		return siteOf(a)
	}
	for _, a := range c.Addresses {
		if a.ID == addressID {
			return siteOf(a)
		}
	}
	f.Add("address_id", "is not an address of this customer")
	return nil
}

func siteOf(a registry.Address) *Site {
	line := strings.TrimSpace(strings.Join([]string{a.Line, a.City, a.Province}, ", "))
	return &Site{AddressID: a.ID, Address: line, City: a.City, Province: a.Province, Lat: a.Lat, Lon: a.Lon}
}

func notFound(err error) bool { return errors.Is(err, apperr.ErrNotFound) }

// newOrder builds an order from d, in status created.
func (s *Service) newOrder(id string, d draft) ServiceOrder {
	now := s.clock.Now()
	o := ServiceOrder{ID: id, Type: d.typ, Status: StatusCreated, Priority: d.priority, CustomerID: d.customer.ID,
		CustomerName: d.customer.Name, CustomerPhone: d.customer.Phone, Site: d.site, Appointment: d.appointment,
		ResolveBy: d.resolveBy, Notes: d.notes, Skills: []string{}, Offers: []dispatch.Offer{}, OfferIDs: []string{},
		Excluded: []string{}, Visits: []Visit{}}
	if u := d.unit; u != nil {
		o.Serial, o.Category = u.Serial, u.Category
		o.Unit = &Unit{Serial: u.Serial, SKU: u.SKU, ProductName: u.ProductName, InWarranty: u.InWarranty(now),
			WarrantyEnd: u.WarrantyEnd}
	}
	if p := d.product; p != nil {
		o.Brand, o.Skills = code(p.Brand), append([]string{}, p.SkillsNeeded...)
		if o.Category == "" {
			o.Category = p.Category
		}
	}
	return o
}

// code turns a free-text brand into the code the network is authorised by: "Acme Co"
// becomes "acme_co".
func code(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), "_")
}

// create writes o with its first history entry; dispatch and the unit's history start
// from its outbox.
func (s *Service) create(ctx context.Context, actor aggregate.Actor, o ServiceOrder, note string) error {
	events := []aggregate.Event{dispatch.AssignEvent(o.ID)}
	if o.Serial != "" {
		events = append(events, registry.UnitTouched(o.Serial, registry.KindServiceOrder, o.ID,
			fmt.Sprintf("%s service order %s created", o.Type, o.ID), s.clock.Now()))
	}
	entry := aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: string(actCreate), To: StatusCreated, Note: note}
	return s.store.Create(ctx, o.ID, o, entry, events...)
}
