package complaints

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/registry"
)

// Intake limits.
const (
	MaxDescription    = 5000
	MaxAttachments    = 10
	MaxAttachmentSize = 100 << 20 // bytes; larger files go through another channel
)

// CreateInput is a complaint taken in by an agent; it is also the request body.
type CreateInput struct {
	Channel      string       `json:"channel" doc:"phone, email, chat, app, marketplace or social_media"`
	CustomerID   string       `json:"customer_id"`
	SalesOrderID string       `json:"sales_order_id,omitempty" doc:"taken from the unit when only serial is given"`
	Serial       string       `json:"serial,omitempty" doc:"a unit registered to the customer"`
	Category     string       `json:"category" doc:"damaged, wrong_item, missing_item, not_as_described, quality_fault, needs_repair, installation, late_delivery, refund_delay, service_attitude, invoice or other"`
	Description  string       `json:"description" doc:"at most 5000 characters"`
	Flags        []string     `json:"flags,omitempty" doc:"loss_involved, media, service_unusable"`
	Attachments  []Attachment `json:"attachments,omitempty" doc:"at most 10; metadata only"`
}

func (in CreateInput) normalize() CreateInput {
	in.Channel = strings.TrimSpace(in.Channel)
	in.CustomerID = strings.TrimSpace(in.CustomerID)
	in.SalesOrderID = strings.TrimSpace(in.SalesOrderID)
	in.Serial = registry.NormalizeSerial(in.Serial)
	in.Category = strings.TrimSpace(in.Category)
	in.Description = strings.TrimSpace(in.Description)
	return in
}

// Validate reports every invalid field at once, without looking anything up.
func (in CreateInput) Validate() error {
	in = in.normalize()
	f := apperr.Fields{}
	if f.Required("channel", in.Channel) {
		f.OneOf("channel", in.Channel, Channels()...)
	}
	if f.Required("category", in.Category) {
		f.OneOf("category", in.Category, Categories()...)
	}
	if f.Required("customer_id", in.CustomerID) {
		f.MaxLen("customer_id", in.CustomerID, 64)
	}
	f.MaxLen("sales_order_id", in.SalesOrderID, 64)
	f.MaxLen("serial", in.Serial, 64)
	if f.Required("description", in.Description) {
		f.MaxLen("description", in.Description, MaxDescription)
	}
	checkFlags(f, in.Flags)
	checkAttachments(f, in.Attachments)
	return f.Err()
}

func checkFlags(f apperr.Fields, flags []string) {
	for i, flag := range flags {
		field := fmt.Sprintf("flags[%d]", i)
		if f.OneOf(field, flag, Flags()...) && slices.Index(flags, flag) < i {
			f.Add(field, "is repeated")
		}
	}
}

func checkAttachments(f apperr.Fields, atts []Attachment) {
	if len(atts) > MaxAttachments {
		f.Add("attachments", "must hold at most %d attachments", MaxAttachments)
		return
	}
	for i, a := range atts {
		p := fmt.Sprintf("attachments[%d].", i)
		if f.Required(p+"name", a.Name) {
			f.MaxLen(p+"name", a.Name, 255)
		}
		if mt, _, err := mime.ParseMediaType(a.ContentType); err != nil || !strings.Contains(mt, "/") || len(a.ContentType) > 100 {
			f.Add(p+"content_type", "must be a media type like image/jpeg")
		}
		if a.Size < 1 || a.Size > MaxAttachmentSize {
			f.Add(p+"size", "must be from 1 to %d bytes", MaxAttachmentSize)
		}
		if u, err := url.Parse(a.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(a.URL) > 2048 {
			f.Add(p+"url", "must be an http(s) URL of at most 2048 characters")
		}
	}
}

// parties are the directory records a complaint names.
type parties struct {
	customer registry.Customer
	unit     *registry.Unit
	order    *registry.SalesOrder
}

// lookUp finds the customer, unit and sales order in the directory and checks they
// belong together; every mismatch is reported against its field.
func (s *Service) lookUp(ctx context.Context, in CreateInput) (parties, error) {
	var pt parties
	f := apperr.Fields{}
	var err error
	if pt.customer, err = s.dir.Customer(ctx, in.CustomerID); err != nil {
		if !missing(err) {
			return pt, err
		}
		f.Add("customer_id", "no such customer")
	}
	if in.Serial != "" {
		if pt.unit, err = lookUpOne(ctx, in.Serial, s.dir.Unit, f, "serial", "no such registered unit"); err != nil {
			return pt, err
		}
	}
	if in.SalesOrderID != "" {
		if pt.order, err = lookUpOne(ctx, in.SalesOrderID, s.dir.SalesOrder, f, "sales_order_id", "no such sales order"); err != nil {
			return pt, err
		}
	}
	pt.check(f, in.CustomerID)
	return pt, f.Err()
}

func lookUpOne[T any](ctx context.Context, key string, find func(context.Context, string) (T, error), f apperr.Fields, field, msg string) (*T, error) {
	v, err := find(ctx, key)
	switch {
	case err == nil:
		return &v, nil
	case missing(err):
		f.Add(field, "%s", msg)
		return nil, nil
	default:
		return nil, err
	}
}

func missing(err error) bool { return errors.Is(err, apperr.ErrNotFound) }

func (pt parties) check(f apperr.Fields, customerID string) {
	if pt.unit != nil && pt.unit.CustomerID != customerID {
		f.Add("serial", "is registered to another customer")
	}
	if pt.order != nil && pt.order.CustomerID != customerID {
		f.Add("sales_order_id", "belongs to another customer")
	}
	if pt.unit != nil && pt.order != nil && pt.unit.SalesOrderID != "" && pt.unit.SalesOrderID != pt.order.ID {
		f.Add("serial", "was not sold on this sales order")
	}
}

// Create takes in a complaint: it classifies it, starts its SLA clocks, reports it to
// supervisors when its class needs that, and tells the unit's service history.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (*Complaint, error) {
	if !p.HasRole(staff...) {
		return nil, apperr.Forbidden("your role may not take in complaints")
	}
	in = in.normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	pt, err := s.lookUp(ctx, in)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	c := s.newComplaint(ids.New("CMP"), in, pt, now)
	events := s.clockTimers(c, ClockResponse, ClockResolution)
	note := "class " + c.Class
	if slices.Contains(reportedAtCreation, c.Class) {
		note += "; reported to supervisors"
		events = append(events, alertEvent(c, AlertReported, fmt.Sprintf("new %s complaint (%s via %s)", c.Class, c.Category, c.Channel)))
	}
	if pt.unit != nil {
		events = append(events, registry.UnitTouched(c.Serial, "complaint", c.ID, "complaint: "+c.Category+" via "+c.Channel, now))
	}
	entry := aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "created", To: StatusOpen, Note: note}
	if err := s.store.Create(ctx, c.ID, c, entry, events...); err != nil {
		return nil, err
	}
	return s.load(ctx, c.ID)
}

func (s *Service) newComplaint(id string, in CreateInput, pt parties, now time.Time) *Complaint {
	c := &Complaint{ID: id, Channel: in.Channel, Category: in.Category, Flags: nonNil(in.Flags),
		Class: Classify(in.Category, in.Channel, in.Flags), Status: StatusOpen, Tier: auth.TierL1,
		CustomerID: in.CustomerID, CustomerName: pt.customer.Name, CustomerPhone: pt.customer.Phone,
		SalesOrderID: in.SalesOrderID, Serial: in.Serial, Description: in.Description,
		Attachments: nonNil(in.Attachments), ResolutionStart: now, ClockGen: 1,
		SLAWarnings: []string{}, Breaches: []Breach{}, Work: []WorkItem{}, Surveys: []Survey{}}
	c.CreatedAt = now
	c.ResponseDue, c.ResolutionDue = s.policy.deadlines(c.Class, now)
	if u := pt.unit; u != nil {
		c.Unit = &UnitInfo{SKU: u.SKU, ProductName: u.ProductName, Category: u.Category,
			SalesOrderID: u.SalesOrderID, InWarranty: u.InWarranty(now), WarrantyEnd: u.WarrantyEnd}
		if c.SalesOrderID == "" {
			c.SalesOrderID = u.SalesOrderID
		}
	}
	return c
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
