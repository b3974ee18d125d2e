package complaints

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/queue"
)

// Kinds of linked work.
const (
	WorkRMA          = "rma"
	WorkServiceOrder = "service_order"
)

// Statuses of a linked work item.
const (
	WorkRequested = "requested" // asked for; the other domain has not created it yet
	WorkLinked    = "linked"    // the RMA or service order exists: Ref is its id
	WorkDone      = "done"
	WorkCancelled = "cancelled" // refused or withdrawn by the other domain
)

// RMA and service-order types a complaint can ask for.
var (
	rmaTypes          = []string{"return_refund", "exchange", "refund_only", "depot_repair"}
	serviceOrderTypes = []string{"repair", "installation", "maintenance", "inspection"}
)

// WorkItem is one piece of work a complaint waits for.
type WorkItem struct {
	ID          string     `bson:"id" json:"id" doc:"the request id, known before the RMA or order exists"`
	Kind        string     `bson:"kind" json:"kind" doc:"rma or service_order"`
	Type        string     `bson:"type" json:"type"`
	Status      string     `bson:"status" json:"status" doc:"requested, linked, done or cancelled"`
	Ref         string     `bson:"ref" json:"ref" doc:"the RMA or service order id once created"`
	RequestedAt time.Time  `bson:"requested_at" json:"requested_at"`
	RequestedBy string     `bson:"requested_by" json:"requested_by"`
	EndedAt     *time.Time `bson:"ended_at,omitempty" json:"ended_at,omitempty"`
	Note        string     `bson:"note,omitempty" json:"note,omitempty"`
	Round       int        `bson:"round" json:"-"` // the complaint's work round it was requested in
}

func (w WorkItem) open() bool { return w.Status == WorkRequested || w.Status == WorkLinked }

// RMALine asks to return a quantity of one sales-order line.
type RMALine struct {
	LineNo int `json:"line_no"`
	Qty    int `json:"qty"`
}

// RMARequest is the RMA part of a triage.
type RMARequest struct {
	Type   string    `json:"type" doc:"return_refund, exchange, refund_only or depot_repair"`
	Lines  []RMALine `json:"lines,omitempty" doc:"sales-order lines; the RMA desk checks them against the order"`
	Reason string    `json:"reason"`
}

// ServiceOrderRequest is the on-site service part of a triage.
type ServiceOrderRequest struct {
	Type  string `json:"type" doc:"repair, installation, maintenance or inspection"`
	Notes string `json:"notes,omitempty"`
}

// TriageInput turns a complaint into an RMA request, a service-order request or both.
type TriageInput struct {
	RMA          *RMARequest          `json:"rma,omitempty"`
	ServiceOrder *ServiceOrderRequest `json:"service_order,omitempty"`
}

// Validate reports every invalid field at once.
func (in TriageInput) Validate() error {
	f := apperr.Fields{}
	if in.RMA == nil && in.ServiceOrder == nil {
		f.Add("rma", "rma or service_order is required")
	}
	if r := in.RMA; r != nil {
		f.OneOf("rma.type", r.Type, rmaTypes...)
		if f.Required("rma.reason", r.Reason) {
			f.MaxLen("rma.reason", r.Reason, 1000)
		}
		checkLines(f, r.Lines)
	}
	if o := in.ServiceOrder; o != nil {
		f.OneOf("service_order.type", o.Type, serviceOrderTypes...)
		f.MaxLen("service_order.notes", o.Notes, 2000)
	}
	return f.Err()
}

func checkLines(f apperr.Fields, lines []RMALine) {
	if len(lines) > 50 {
		f.Add("rma.lines", "must hold at most 50 lines")
		return
	}
	for i, l := range lines {
		p := fmt.Sprintf("rma.lines[%d].", i)
		if l.LineNo < 1 {
			f.Add(p+"line_no", "must be 1 or more")
		} else if slices.IndexFunc(lines, func(o RMALine) bool { return o.LineNo == l.LineNo }) < i {
			f.Add(p+"line_no", "is repeated")
		}
		f.Range(p+"qty", float64(l.Qty), 1, 999)
	}
}

// RMARequested is the data of TypeRMARequested, for the RMA desk: create the RMA, then
// call LinkWork with RequestID and its id, and WorkDone when it is finished.
type RMARequested struct {
	ComplaintID   string    `json:"complaint_id"`
	RequestID     string    `json:"request_id"`
	CustomerID    string    `json:"customer_id"`
	SalesOrderID  string    `json:"sales_order_id"`
	Serial        string    `json:"serial,omitempty"`
	Type          string    `json:"type"`
	Lines         []RMALine `json:"lines,omitempty"`
	Reason        string    `json:"reason"`
	Class         string    `json:"class"`
	ResolutionDue time.Time `json:"resolution_due"`
}

// ServiceOrderRequested is the data of TypeServiceOrderRequested, for the service-order
// desk: create the order, then call LinkWork and, when it is finished, WorkDone.
type ServiceOrderRequested struct {
	ComplaintID   string    `json:"complaint_id"`
	RequestID     string    `json:"request_id"`
	CustomerID    string    `json:"customer_id"`
	SalesOrderID  string    `json:"sales_order_id,omitempty"`
	Serial        string    `json:"serial,omitempty"`
	Type          string    `json:"type"`
	Notes         string    `json:"notes,omitempty"`
	Category      string    `json:"category"`
	Class         string    `json:"class"`
	ResolutionDue time.Time `json:"resolution_due"`
}

// Triage records the requested work on the complaint and asks the RMA and service-order
// desks for it in the same write.
func (s *Service) Triage(ctx context.Context, p auth.Principal, id string, in TriageInput) (*Complaint, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	c, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWork(p, c); err != nil {
		return nil, err
	}
	if in.RMA != nil && c.SalesOrderID == "" {
		return nil, apperr.Fields{"rma": "the complaint names no sales order; an RMA is made against sales-order lines"}.Err()
	}
	items, events, notes := s.workRequests(c, p, in)
	_, err = s.move(ctx, p.Actor(), c, actTriage, change{
		set: bson.D{{Key: "work", Value: append(slices.Clone(c.Work), items...)},
			{Key: "open_work", Value: c.OpenWork + len(items)}},
		note: strings.Join(notes, "; "), events: events,
	})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

func (s *Service) workRequests(c *Complaint, p auth.Principal, in TriageInput) ([]WorkItem, []aggregate.Event, []string) {
	var items []WorkItem
	var events []aggregate.Event
	var notes []string
	if r := in.RMA; r != nil {
		w := s.workItem(c, p, WorkRMA, r.Type)
		items, notes = append(items, w), append(notes, "RMA requested: "+r.Type)
		events = append(events, aggregate.NewEvent(TypeRMARequested, queue.Default, RMARequested{ComplaintID: c.ID,
			RequestID: w.ID, CustomerID: c.CustomerID, SalesOrderID: c.SalesOrderID, Serial: c.Serial, Type: r.Type,
			Lines: r.Lines, Reason: r.Reason, Class: c.Class, ResolutionDue: c.ResolutionDue}))
	}
	if o := in.ServiceOrder; o != nil {
		w := s.workItem(c, p, WorkServiceOrder, o.Type)
		items, notes = append(items, w), append(notes, "service order requested: "+o.Type)
		events = append(events, aggregate.NewEvent(TypeServiceOrderRequested, queue.Default, ServiceOrderRequested{
			ComplaintID: c.ID, RequestID: w.ID, CustomerID: c.CustomerID, SalesOrderID: c.SalesOrderID, Serial: c.Serial,
			Type: o.Type, Notes: o.Notes, Category: c.Category, Class: c.Class, ResolutionDue: c.ResolutionDue}))
	}
	return items, events, notes
}

func (s *Service) workItem(c *Complaint, p auth.Principal, kind, typ string) WorkItem {
	return WorkItem{ID: ids.New("WRQ"), Kind: kind, Type: typ, Status: WorkRequested,
		RequestedAt: s.clock.Now(), RequestedBy: p.UserID, Round: c.WorkRound}
}
