package complaints

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
)

// EnsureIndexes creates the complaints' and alerts' indexes, one per command (FerretDB
// v1 drops the connection when one command names several existing indexes).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	complaints := append(aggregate.Indexes(),
		mongox.Index("status", "_id"), mongox.Index("class", "_id"), mongox.Index("tier", "_id"), mongox.Index("assignee", "_id"),
		mongox.Index("breached", "_id"), mongox.Index("channel", "_id"), mongox.Index("customer_id", "_id"),
		mongox.Index("created_at"), mongox.Index("follow_up_status", "follow_up_due"))
	if err := s.store.Collection().EnsureIndexes(ctx, complaints...); err != nil {
		return err
	}
	return s.alerts.EnsureIndexes(ctx, mongox.Index("to", "_id"), mongox.Index("complaint_id"))
}

// listProjection leaves out what a list never shows.
var listProjection = bson.D{{Key: "history", Value: 0}, {Key: "outbox", Value: 0}, {Key: "outbox_dead", Value: 0}}

func (s *Service) find(ctx context.Context, filter bson.D, page httpx.Page) (httpx.PageResult[*Complaint], error) {
	var out []*Complaint
	if err := s.store.Collection().Find(ctx, page.Filter(filter), &out, page.FindOptions().SetProjection(listProjection)); err != nil {
		return httpx.PageResult[*Complaint]{}, err
	}
	return httpx.NewPageResult(out, page.Limit, func(c *Complaint) string { return c.ID }), nil
}

// ListFilter narrows the complaint list; empty fields do not filter. Assignee "me" is
// the caller and "none" the unassigned complaints. From is inclusive, To exclusive, on
// the intake time.
type ListFilter struct {
	Status, Class, Tier, Assignee, Channel, CustomerID string
	Breached, Escalated                                *bool
	From, To                                           *time.Time
}

// ParseListFilter reads the filters from a query string, reporting every bad one.
func ParseListFilter(q url.Values) (ListFilter, error) {
	f, bad := ListFilter{}, apperr.Fields{}
	enums := []struct {
		name    string
		to      *string
		allowed []string
	}{{"status", &f.Status, Statuses()}, {"class", &f.Class, Classes()}, {"tier", &f.Tier, auth.Tiers()},
		{"channel", &f.Channel, Channels()}}
	for _, e := range enums {
		if v := q.Get(e.name); v != "" && bad.OneOf(e.name, v, e.allowed...) {
			*e.to = v
		}
	}
	f.Assignee, f.CustomerID = q.Get("assignee"), q.Get("customer_id")
	bad.MaxLen("assignee", f.Assignee, 64)
	bad.MaxLen("customer_id", f.CustomerID, 64)
	f.Breached, f.Escalated = parseBool(bad, q, "breached"), parseBool(bad, q, "escalated")
	f.From, f.To = parseTime(bad, q, "from"), parseTime(bad, q, "to")
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		bad.Add("to", "must be after from")
	}
	return f, bad.Err()
}

func parseBool(bad apperr.Fields, q url.Values, name string) *bool {
	v := q.Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		bad.Add(name, "must be true or false")
		return nil
	}
	return &b
}

// parseTime reads an RFC 3339 time, or a date (midnight UTC).
func parseTime(bad apperr.Fields, q url.Values, name string) *time.Time {
	v := q.Get(name)
	if v == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return &t
		}
	}
	bad.Add(name, "must be an RFC 3339 time like 2026-03-02T09:00:00+08:00, or a date like 2026-03-02")
	return nil
}

func (f ListFilter) bson(p auth.Principal) bson.D {
	d := bson.D{}
	for _, e := range []struct{ key, v string }{{"status", f.Status}, {"class", f.Class}, {"tier", f.Tier},
		{"channel", f.Channel}, {"customer_id", f.CustomerID}} {
		if e.v != "" {
			d = append(d, bson.E{Key: e.key, Value: e.v})
		}
	}
	switch f.Assignee {
	case "":
	case "me":
		d = append(d, bson.E{Key: "assignee", Value: p.UserID})
	case "none":
		d = append(d, bson.E{Key: "assignee", Value: ""})
	default:
		d = append(d, bson.E{Key: "assignee", Value: f.Assignee})
	}
	if f.Breached != nil {
		d = append(d, bson.E{Key: "breached", Value: *f.Breached})
	}
	if f.Escalated != nil {
		d = append(d, bson.E{Key: "escalated_to_supervisor", Value: *f.Escalated})
	}
	return append(d, createdRange(f.From, f.To)...)
}

func createdRange(from, to *time.Time) bson.D {
	r := bson.D{}
	if from != nil {
		r = append(r, bson.E{Key: "$gte", Value: *from})
	}
	if to != nil {
		r = append(r, bson.E{Key: "$lt", Value: *to})
	}
	if len(r) == 0 {
		return nil
	}
	return bson.D{{Key: "created_at", Value: r}}
}

// List returns a page of complaints matching f, oldest first.
func (s *Service) List(ctx context.Context, p auth.Principal, f ListFilter, page httpx.Page) (httpx.PageResult[*Complaint], error) {
	if !canRead(p) {
		return httpx.PageResult[*Complaint]{}, apperrForbiddenRead
	}
	return s.find(ctx, f.bson(p), page)
}
