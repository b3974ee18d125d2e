package orders

import (
	"context"
	"errors"
	"strings"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/queue"
)

// TypeEnded tells the complaint an order served that its work is done (closed) or will
// not be done (cancelled).
const TypeEnded = "orders:ended"

// Outcomes of TypeEnded.
const (
	OutcomeClosed    = "closed"
	OutcomeCancelled = "cancelled"
)

// Ended is the data of TypeEnded.
type Ended struct {
	OrderID      string `json:"order_id"`
	ComplaintID  string `json:"complaint_id"`
	ComplaintRef string `json:"complaint_ref" doc:"the order id the complaint knows (a revisit's first order)"`
	Outcome      string `json:"outcome"`
	Reason       string `json:"reason,omitempty"`
}

// NoteInput is an optional note on a step.
type NoteInput struct {
	Note string `json:"note,omitempty" doc:"at most 1000 characters"`
}

// Validate bounds the note.
func (in NoteInput) Validate() error {
	f := apperr.Fields{}
	f.MaxLen("note", strings.TrimSpace(in.Note), maxText)
	return f.Err()
}

// Verify records a dispatcher's check that the work was done to the customer's
// satisfaction (typically a call). An order that was not fixed takes Revisit instead.
func (s *Service) Verify(ctx context.Context, p auth.Principal, id string, in NoteInput) (*ServiceOrder, error) {
	return s.step(ctx, p, id, in, actVerify, func(*ServiceOrder) change { return change{} })
}

// Close closes a verified order, releases its capacity and resolves the complaint's work.
func (s *Service) Close(ctx context.Context, p auth.Principal, id string, in NoteInput) (*ServiceOrder, error) {
	o, err := s.step(ctx, p, id, in, actClose, func(o *ServiceOrder) change {
		return change{set: bson.D{{Key: "closed_at", Value: s.clock.Now()}}, events: endedEvents(o, OutcomeClosed, "")}
	})
	if err == nil {
		s.addLoad(ctx, o.slot(), -1)
	}
	return o, err
}

func (s *Service) step(ctx context.Context, p auth.Principal, id string, in NoteInput, act action,
	build func(*ServiceOrder) change) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	ch := build(o)
	ch.note = strings.TrimSpace(in.Note)
	if err := s.move(ctx, p.Actor(), o, act, ch); err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

func endedEvents(o *ServiceOrder, outcome, reason string) []aggregate.Event {
	if o.ComplaintID == "" {
		return nil
	}
	return []aggregate.Event{aggregate.NewEvent(TypeEnded, queue.Default, Ended{OrderID: o.ID, ComplaintID: o.ComplaintID,
		ComplaintRef: o.ComplaintRef, Outcome: outcome, Reason: reason})}
}

// CancelInput says why an order is cancelled.
type CancelInput struct {
	Reason string `json:"reason" doc:"at most 1000 characters"`
}

// Validate requires a reason.
func (in CancelInput) Validate() error { return requireText("reason", in.Reason, maxText) }

// Cancel cancels an order before the technician is on site: an open offer is withdrawn,
// the capacity released, the outlet told, and the complaint's work marked cancelled.
func (s *Service) Cancel(ctx context.Context, p auth.Principal, id string, in CancelInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	reason := strings.TrimSpace(in.Reason)
	ch := change{set: bson.D{{Key: "cancel_reason", Value: reason}}, unset: offerFields, note: reason,
		events: endedEvents(o, OutcomeCancelled, reason)}
	if o.Offer != nil {
		ch.push = bson.D{{Key: "offers", Value: o.Offer.Close(dispatch.OfferWithdrawn, s.clock.Now(), p.UserID, "order cancelled")}}
	}
	hooks, err := s.cancelNotices(ctx, o)
	if err != nil {
		return nil, err
	}
	ch.events = append(ch.events, hooks...)
	if err := s.move(ctx, p.Actor(), o, actCancel, ch); err != nil {
		return nil, err
	}
	s.addLoad(ctx, o.slot(), -1)
	return s.load(ctx, id)
}

func (s *Service) cancelNotices(ctx context.Context, o *ServiceOrder) ([]aggregate.Event, error) {
	switch {
	case o.Offer != nil && o.Offer.Candidate.Kind == dispatch.CandidateOutlet:
		return s.dispatch.OutletNotice(ctx, o.Offer.Candidate.ID,
			dispatch.NewOfferNotice(dispatch.NoticeOfferWithdrawn, o.ID, *o.Offer, o.summary()))
	case o.Assignment != nil && o.Assignment.Kind == dispatch.CandidateOutlet:
		return s.dispatch.OutletNotice(ctx, o.Assignment.OutletID,
			dispatch.NewOfferNotice(dispatch.NoticeOrderCancelled, o.ID, dispatch.Offer{}, o.summary()))
	}
	return nil, nil
}

// HandleEnded tells the complaint that its work is done or cancelled. Both calls are
// idempotent; work the complaint no longer knows or already ended differently is
// logged, since retrying cannot change it.
func (s *Service) HandleEnded(ctx context.Context, t *asynq.Task) error {
	var e Ended
	if err := decode(t, &e); err != nil {
		return err
	}
	var err error
	if e.Outcome == OutcomeClosed {
		err = s.complaints.WorkDone(ctx, e.ComplaintID, e.ComplaintRef)
	} else {
		err = s.complaints.WorkCancelled(ctx, e.ComplaintID, e.ComplaintRef, e.Reason)
	}
	if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, apperr.ErrConflict) {
		s.log.WarnContext(ctx, "complaint could not take the order's outcome", "order_id", e.OrderID,
			"complaint_id", e.ComplaintID, "outcome", e.Outcome, "err", err)
		return nil
	}
	return err
}
