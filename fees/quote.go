package fees

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Quote statuses. An open quote past its expiry is reported as expired.
const (
	QuoteOpen     = "open"
	QuoteAccepted = "accepted"
	QuoteExpired  = "expired"
)

// Channels a customer's acceptance can come through.
const (
	ChannelInPerson = "in_person"
	ChannelPhone    = "phone"
	ChannelApp      = "app"
)

// quoteRoles may produce and record acceptance of quotes (technicians through the
// mobile API, which calls the service).
var quoteRoles = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleOutlet, auth.RoleTechnician}

// QuoteInput asks for a quote of out-of-warranty work: a Job before it is done.
type QuoteInput struct {
	OrderID     string     `json:"order_id"`
	OutletID    string     `json:"outlet_id,omitempty" doc:"outlet users quote for their own outlet"`
	ServiceType string     `json:"service_type"`
	Category    string     `json:"category"`
	Region      string     `json:"region"`
	Currency    string     `json:"currency,omitempty"`
	DistanceKm  float64    `json:"distance_km"`
	PlannedAt   *time.Time `json:"planned_at,omitempty" doc:"the visit, for night and holiday surcharges"`
	Night       bool       `json:"night"`
	Holiday     bool       `json:"holiday"`
	Remote      bool       `json:"remote"`
	Parts       []PartUse  `json:"parts,omitempty"`
}

// Validate reports every problem with the request.
func (in QuoteInput) Validate() error {
	f := apperr.Fields{}
	f.Required("order_id", in.OrderID)
	f.MaxLen("order_id", in.OrderID, maxIDLen)
	f.MaxLen("outlet_id", in.OutletID, maxIDLen)
	validateWork(f, in.ServiceType, in.Category, in.Region, in.Currency, in.DistanceKm, in.Parts)
	return f.Err()
}

// AcceptInput records the customer's acceptance of a quote.
type AcceptInput struct {
	AcceptedByName string `json:"accepted_by_name" doc:"the customer who accepted"`
	Channel        string `json:"channel" doc:"in_person, phone or app"`
	SignatureRef   string `json:"signature_ref,omitempty" doc:"reference of a captured signature"`
}

// Validate reports every problem with the request.
func (in AcceptInput) Validate() error {
	f := apperr.Fields{}
	textField(f, "accepted_by_name", in.AcceptedByName)
	f.OneOf("channel", in.Channel, ChannelInPerson, ChannelPhone, ChannelApp)
	f.MaxLen("signature_ref", in.SignatureRef, maxTextLen)
	return f.Err()
}

// Acceptance is who accepted a quote, how, and who recorded it.
type Acceptance struct {
	AcceptedByName string    `json:"accepted_by_name" bson:"accepted_by_name"`
	Channel        string    `json:"channel" bson:"channel"`
	SignatureRef   string    `json:"signature_ref,omitempty" bson:"signature_ref,omitempty"`
	RecordedBy     string    `json:"recorded_by" bson:"recorded_by"`
	RecordedRole   string    `json:"recorded_role" bson:"recorded_role"`
	At             time.Time `json:"at" bson:"at"`
}

// Quote is a price offered to a customer for out-of-warranty work.
type Quote struct {
	ID              string      `json:"id"`
	OrderID         string      `json:"order_id"`
	OutletID        string      `json:"outlet_id"`
	Status          string      `json:"status" doc:"open, accepted or expired"`
	Currency        string      `json:"currency"`
	ScheduleID      string      `json:"schedule_id"`
	ScheduleVersion int         `json:"schedule_version"`
	Lines           []Line      `json:"lines"`
	Totals          Totals      `json:"totals"`
	Flags           []string    `json:"flags"`
	ExpiresAt       time.Time   `json:"expires_at"`
	CreatedBy       string      `json:"created_by"`
	CreatedAt       time.Time   `json:"created_at"`
	Acceptance      *Acceptance `json:"acceptance,omitempty"`
}

// quoteDoc is a quote as stored. AcceptedKey is the quote id while open and the order
// id once accepted: a unique index on it lets one quote per order be accepted.
type quoteDoc struct {
	ID              string      `bson:"_id"`
	OrderID         string      `bson:"order_id"`
	OutletID        string      `bson:"outlet_id"`
	Status          string      `bson:"status"`
	AcceptedKey     string      `bson:"accepted_key"`
	Currency        string      `bson:"currency"`
	ScheduleID      string      `bson:"schedule_id"`
	ScheduleVersion int         `bson:"schedule_version"`
	Lines           []Line      `bson:"lines"`
	Totals          Totals      `bson:"totals"`
	Flags           []string    `bson:"flags"`
	ExpiresAt       time.Time   `bson:"expires_at"`
	CreatedBy       string      `bson:"created_by"`
	Acceptance      *Acceptance `bson:"acceptance,omitempty"`
	aggregate.Base  `bson:",inline"`
}

func (d quoteDoc) toQuote(now time.Time) Quote {
	status := d.Status
	if status == QuoteOpen && now.After(d.ExpiresAt) {
		status = QuoteExpired
	}
	return Quote{ID: d.ID, OrderID: d.OrderID, OutletID: d.OutletID, Status: status, Currency: d.Currency,
		ScheduleID: d.ScheduleID, ScheduleVersion: d.ScheduleVersion, Lines: d.Lines, Totals: d.Totals,
		Flags: nonNil(d.Flags), ExpiresAt: d.ExpiresAt, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt, Acceptance: d.Acceptance}
}

// Quote prices out-of-warranty work with the schedule version in force now; the
// customer pays every line. It is open for acceptance until it expires.
func (s *Service) Quote(ctx context.Context, p auth.Principal, in QuoteInput) (Quote, error) {
	if !slices.Contains(quoteRoles, p.Role) {
		return Quote{}, apperr.Forbidden("your role may not produce quotes")
	}
	if err := in.Validate(); err != nil {
		return Quote{}, err
	}
	if outletBound(p) {
		if in.OutletID != "" && in.OutletID != p.OutletID {
			return Quote{}, apperr.Fields{"outlet_id": "must be your own outlet"}.Err()
		}
		in.OutletID = p.OutletID
	}
	d, err := s.quoteDoc(ctx, p, in)
	if err != nil {
		return Quote{}, err
	}
	entry := aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "quoted", To: QuoteOpen,
		Note: fmt.Sprintf("%s version %d", d.ScheduleID, d.ScheduleVersion)}
	if err := s.quotes.Create(ctx, d.ID, d, entry); err != nil {
		return Quote{}, err
	}
	d.CreatedAt = s.clock.Now()
	return d.toQuote(d.CreatedAt), nil
}

func (s *Service) quoteDoc(ctx context.Context, p auth.Principal, in QuoteInput) (quoteDoc, error) {
	now := s.clock.Now()
	outlet, fallback, err := s.schedulesFor(ctx, in.OutletID)
	if err != nil {
		return quoteDoc{}, err
	}
	r, ok := resolve(outlet, fallback, now)
	if !ok {
		return quoteDoc{}, errNoSchedule(in.OutletID, now)
	}
	if in.Currency != "" && in.Currency != r.schedule.currency {
		return quoteDoc{}, apperr.Fields{"currency": "the schedule in force prices in " + r.schedule.currency}.Err()
	}
	w := work{ServiceType: in.ServiceType, Category: in.Category, Region: in.Region, DistanceKm: in.DistanceKm,
		Night: in.Night, Holiday: in.Holiday, Remote: in.Remote, Parts: in.Parts}
	if in.PlannedAt != nil {
		w.At = *in.PlannedAt
	}
	pr := priceWork(r.version.rules, w)
	id := ids.New("QT")
	return quoteDoc{ID: id, OrderID: in.OrderID, OutletID: in.OutletID, Status: QuoteOpen, AcceptedKey: id,
		Currency: r.schedule.currency, ScheduleID: r.schedule.id, ScheduleVersion: r.version.version,
		Lines: pr.Lines, Totals: pr.Totals, Flags: nonNil(pr.Flags), ExpiresAt: now.Add(s.validity), CreatedBy: p.UserID}, nil
}

// AcceptQuote records the customer's acceptance before work starts. A quote is accepted
// once, before it expires, and an order has at most one accepted quote.
func (s *Service) AcceptQuote(ctx context.Context, p auth.Principal, quoteID string, in AcceptInput) (Quote, error) {
	if err := in.Validate(); err != nil {
		return Quote{}, err
	}
	d, err := s.loadQuote(ctx, p, quoteID)
	if err != nil {
		return Quote{}, err
	}
	if !slices.Contains(quoteRoles, p.Role) {
		return Quote{}, apperr.Forbidden("your role may not record a quote's acceptance")
	}
	now := s.clock.Now()
	switch q := d.toQuote(now); q.Status {
	case QuoteAccepted:
		return Quote{}, apperr.Conflict("the quote is already accepted")
	case QuoteExpired:
		return Quote{}, apperr.Conflict("the quote expired at %s; produce a new one", d.ExpiresAt.Format(time.RFC3339))
	}
	acc := Acceptance{AcceptedByName: in.AcceptedByName, Channel: in.Channel, SignatureRef: in.SignatureRef,
		RecordedBy: p.UserID, RecordedRole: p.Role, At: now}
	err = s.quotes.Apply(ctx, aggregate.Change{ID: d.ID, Version: d.Base.Version, Where: bson.D{{Key: "status", Value: QuoteOpen}},
		Set:   bson.D{{Key: "status", Value: QuoteAccepted}, {Key: "accepted_key", Value: d.OrderID}, {Key: "acceptance", Value: acc}},
		Entry: aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "accepted", From: QuoteOpen, To: QuoteAccepted, Note: in.Channel}})
	if errors.Is(err, mongox.ErrDuplicate) {
		return Quote{}, apperr.Conflict("order %s already has an accepted quote", d.OrderID)
	}
	if err != nil {
		return Quote{}, err
	}
	d.Status, d.Acceptance = QuoteAccepted, &acc
	return d.toQuote(now), nil
}

// QuoteAccepted reports whether the order has an accepted quote (for parts and orders
// to check before out-of-warranty work starts).
func (s *Service) QuoteAccepted(ctx context.Context, orderID string) (bool, error) {
	_, found, err := s.acceptedQuote(ctx, orderID)
	return found, err
}

func (s *Service) acceptedQuote(ctx context.Context, orderID string) (quoteDoc, bool, error) {
	var d quoteDoc
	err := s.quotes.Collection().FindOne(ctx, bson.D{{Key: "accepted_key", Value: orderID}, {Key: "status", Value: QuoteAccepted}}, &d)
	if errors.Is(err, mongox.ErrNotFound) {
		return d, false, nil
	}
	return d, err == nil, err
}

// GetQuote returns a quote the caller may see.
func (s *Service) GetQuote(ctx context.Context, p auth.Principal, id string) (Quote, error) {
	d, err := s.loadQuote(ctx, p, id)
	return d.toQuote(s.clock.Now()), err
}

// ListQuotes returns the quotes of an order the caller may see, oldest first.
func (s *Service) ListQuotes(ctx context.Context, p auth.Principal, orderID string) ([]Quote, error) {
	filter := bson.D{{Key: "order_id", Value: orderID}}
	if outletBound(p) {
		filter = append(filter, bson.E{Key: "outlet_id", Value: p.OutletID})
	}
	var docs []quoteDoc
	if err := s.quotes.Collection().Find(ctx, filter, &docs); err != nil {
		return nil, err
	}
	out := make([]Quote, 0, len(docs))
	now := s.clock.Now()
	for _, d := range docs {
		out = append(out, d.toQuote(now))
	}
	// Ids are ULIDs: they break ties between quotes made in the same millisecond.
	slices.SortFunc(out, func(a, b Quote) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (s *Service) loadQuote(ctx context.Context, p auth.Principal, id string) (quoteDoc, error) {
	var d quoteDoc
	if err := s.quotes.Load(ctx, id, &d); err != nil {
		return d, err
	}
	if !sees(p, d.OutletID) {
		return quoteDoc{}, apperr.NotFound("quote")
	}
	return d, nil
}
