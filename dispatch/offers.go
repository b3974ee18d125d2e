package dispatch

import (
	"context"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/queue"
)

// The offer flow: a job (a service order) is offered to the engine's chosen candidate
// with an accept deadline. The order is the aggregate that records offers, so the orders
// package writes them; this file decides, builds and times them, and names the tasks.

// Offer statuses. An offer is open until it is answered, withdrawn, or expired by its
// deadline task: the deadline schedules the expiry, it does not close the offer itself.
const (
	OfferOpen      = "open"
	OfferAccepted  = "accepted"
	OfferDeclined  = "declined"
	OfferExpired   = "expired"
	OfferWithdrawn = "withdrawn" // a dispatcher assigned the job by hand, or it was cancelled
)

// Defaults of the offer flow.
const (
	DefaultAcceptWindow = 30 * time.Minute
	DefaultMaxOffers    = 5 // offers per job before a dispatcher is asked to step in
)

// Task types of the offer flow; their handlers change the order, so the orders package
// registers them.
const (
	// TypeAssign runs the engine for a job waiting for a candidate and offers it.
	TypeAssign = "dispatch:assign"
	// TypeOfferExpire fires at an offer's deadline; it moves the job on to the next
	// candidate when the offer is still open.
	TypeOfferExpire = "offer:expire"
)

// Offer is one candidate's chance to take a job. The candidate and its cost breakdown
// are kept as the engine scored them, so every offer explains itself.
type Offer struct {
	ID        string     `json:"id" bson:"id"`
	Attempt   int        `json:"attempt" bson:"attempt" doc:"1 for the job's first offer"`
	Candidate Scored     `json:"candidate" bson:"candidate"`
	OfferedAt time.Time  `json:"offered_at" bson:"offered_at"`
	Deadline  time.Time  `json:"deadline" bson:"deadline" doc:"when the offer expires unless answered"`
	Status    string     `json:"status" bson:"status" doc:"open, accepted, declined, expired or withdrawn"`
	EndedAt   *time.Time `json:"ended_at,omitempty" bson:"ended_at,omitempty"`
	By        string     `json:"by,omitempty" bson:"by,omitempty" doc:"user who answered it"`
	Reason    string     `json:"reason,omitempty" bson:"reason,omitempty"`
}

// Close returns the offer ended with status at at, by user by with reason.
func (o Offer) Close(status string, at time.Time, by, reason string) Offer {
	o.Status, o.EndedAt, o.By, o.Reason = status, &at, by, reason
	return o
}

// AssignData is the data of TypeAssign.
type AssignData struct {
	OrderID string `json:"order_id"`
}

// AssignEvent asks for the next offer of order id. Queue it in the same write that puts
// the order into dispatching; a redelivery finds the order already offered and does
// nothing.
func AssignEvent(orderID string) aggregate.Event {
	return aggregate.NewEvent(TypeAssign, queue.Dispatch, AssignData{OrderID: orderID})
}

// OfferExpiry is the data of TypeOfferExpire.
type OfferExpiry struct {
	OrderID  string    `json:"order_id"`
	OfferID  string    `json:"offer_id"`
	Deadline time.Time `json:"deadline"`
}

// ExpireEvent is the deadline timer of offer o of order orderID, due at its deadline.
func ExpireEvent(orderID string, o Offer) aggregate.Event {
	return aggregate.NewEvent(TypeOfferExpire, queue.Outlet,
		OfferExpiry{OrderID: orderID, OfferID: o.ID, Deadline: o.Deadline}).At(o.Deadline)
}

// OfferRequest asks for the next offer of a job.
type OfferRequest struct {
	OrderID string
	Job     Job
	Exclude []string      // candidates that declined or let an offer of this job expire
	Attempt int           // the number this offer will have: 1 for the first
	Window  time.Duration // how long the candidate has to answer; 0 takes DefaultAcceptWindow
	Summary JobSummary    // what an outlet's system is told of the job
}

// OfferPlan is the engine's decision and, when it found a candidate, the offer with the
// events to queue in the same write that stores it: the deadline timer and, for an
// outsourced outlet with a webhook, the signed offer.created call.
type OfferPlan struct {
	Decision Decision
	Offer    *Offer
	Events   []aggregate.Event
}

// PlanOffer decides who is offered the job now. It writes nothing: the caller stores the
// plan in one conditional update of the job.
func (s *Service) PlanOffer(ctx context.Context, req OfferRequest) (OfferPlan, error) {
	now := s.clock.Now()
	d := s.engine.Decide(req.Job, req.Exclude, now)
	if d.Chosen == nil {
		return OfferPlan{Decision: d}, nil
	}
	window := req.Window
	if window <= 0 {
		window = DefaultAcceptWindow
	}
	o := Offer{ID: ids.New("OFR"), Attempt: max(req.Attempt, 1), Candidate: *d.Chosen, OfferedAt: now,
		Deadline: now.Add(window).UTC().Truncate(time.Millisecond), Status: OfferOpen}
	events := []aggregate.Event{ExpireEvent(req.OrderID, o)}
	if o.Candidate.Kind == CandidateOutlet {
		hook, err := s.OutletNotice(ctx, o.Candidate.ID, NewOfferNotice(NoticeOfferCreated, req.OrderID, o, req.Summary))
		if err != nil {
			return OfferPlan{}, err
		}
		events = append(events, hook...)
	}
	return OfferPlan{Decision: d, Offer: &o, Events: events}, nil
}
