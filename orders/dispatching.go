package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/queue"
)

// TypeEscalated tells dispatchers that an order needs them: the engine found nobody, or
// too many offers went unanswered. The order shows on the board with the reason.
const TypeEscalated = "orders:escalated"

// Escalation is the data of TypeEscalated.
type Escalation struct {
	OrderID  string    `json:"order_id"`
	Reason   string    `json:"reason"`
	Attempts int       `json:"attempts"`
	At       time.Time `json:"at"`
}

// offerFields are the top-level copies of the open offer that lists and lookups query.
var offerFields = []string{"offer", "offer_id", "offer_outlet_id", "offer_technician_id", "offer_deadline"}

// HandleAssign offers an order that waits for a candidate to the engine's choice, or
// escalates it to a dispatcher. It re-reads the order first: an order already offered,
// assigned or escalated needs nothing, so a redelivery does nothing.
func (s *Service) HandleAssign(ctx context.Context, t *asynq.Task) error {
	var data dispatch.AssignData
	if err := decode(t, &data); err != nil {
		return err
	}
	err := s.retry(ctx, data.OrderID, func(o *ServiceOrder) error { return s.dispatchStep(ctx, o) })
	if notFound(err) {
		s.log.WarnContext(ctx, "dispatch for a missing service order", "order_id", data.OrderID)
		return nil
	}
	return err
}

func (s *Service) dispatchStep(ctx context.Context, o *ServiceOrder) error {
	if o.Status == StatusCreated {
		if err := s.move(ctx, aggregate.System, o, actStartDispatch, change{}); err != nil {
			return err
		}
		var err error
		if o, err = s.load(ctx, o.ID); err != nil {
			return err
		}
	}
	if o.Status != StatusDispatching || o.Escalated {
		return errNoop
	}
	job, why := o.job()
	switch {
	case why != "":
		return s.escalate(ctx, o, nil, why)
	case o.Attempts >= s.cfg.MaxOffers:
		return s.escalate(ctx, o, nil, fmt.Sprintf("no taker after %d offers (declined or expired: %s)", o.Attempts, strings.Join(o.Excluded, ", ")))
	}
	plan, err := s.dispatch.PlanOffer(ctx, dispatch.OfferRequest{OrderID: o.ID, Job: job, Exclude: o.Excluded,
		Attempt: o.Attempts + 1, Window: s.cfg.AcceptWindow, Summary: o.summary()})
	if err != nil {
		return err
	}
	if plan.Offer == nil {
		return s.escalate(ctx, o, &plan.Decision, plan.Decision.Reason)
	}
	return s.offer(ctx, o, plan)
}

// offer stores the decision and the open offer with its deadline timer in one write.
func (s *Service) offer(ctx context.Context, o *ServiceOrder, plan dispatch.OfferPlan) error {
	off := *plan.Offer
	set := bson.D{{Key: "decision", Value: plan.Decision}, {Key: "offer", Value: off}, {Key: "offer_id", Value: off.ID},
		{Key: "offer_deadline", Value: off.Deadline}}
	if off.Candidate.Kind == dispatch.CandidateOutlet {
		set = append(set, bson.E{Key: "offer_outlet_id", Value: off.Candidate.ID})
	} else {
		set = append(set, bson.E{Key: "offer_technician_id", Value: off.Candidate.ID})
	}
	return s.move(ctx, aggregate.System, o, actOffer, change{set: set,
		inc: bson.D{{Key: "attempts", Value: 1}}, push: bson.D{{Key: "offer_ids", Value: off.ID}},
		events: plan.Events,
		note: fmt.Sprintf("offer %d to %s %s (%s), answer by %s", off.Attempt, off.Candidate.Kind, off.Candidate.ID,
			off.Candidate.Name, off.Deadline.Format(time.RFC3339))})
}

// escalate leaves the order dispatching, flagged for a dispatcher with the reason.
func (s *Service) escalate(ctx context.Context, o *ServiceOrder, d *dispatch.Decision, reason string) error {
	now := s.clock.Now()
	set := bson.D{{Key: "escalated", Value: true}, {Key: "escalation_reason", Value: reason}, {Key: "escalated_at", Value: now}}
	if d != nil {
		set = append(set, bson.E{Key: "decision", Value: *d})
	}
	return s.move(ctx, aggregate.System, o, actEscalate, change{set: set, note: reason,
		where:  bson.D{{Key: "escalated", Value: false}},
		events: []aggregate.Event{aggregate.NewEvent(TypeEscalated, queue.Critical, Escalation{OrderID: o.ID, Reason: reason, Attempts: o.Attempts, At: now})}})
}

// HandleOfferExpire moves an order whose offer is still open at its deadline on to the
// next candidate. Accepting and expiring the same offer are both conditional on the
// order's version and the open offer's id, so exactly one of them lands.
func (s *Service) HandleOfferExpire(ctx context.Context, t *asynq.Task) error {
	var data dispatch.OfferExpiry
	if err := decode(t, &data); err != nil {
		return err
	}
	err := s.retry(ctx, data.OrderID, func(o *ServiceOrder) error {
		if o.Status != StatusOffered || o.Offer == nil || o.Offer.ID != data.OfferID {
			return errNoop // answered, withdrawn or already expired
		}
		if s.clock.Now().Before(o.Offer.Deadline) {
			return fmt.Errorf("offer %s of %s expiry ran before its deadline; retrying", data.OfferID, o.ID)
		}
		return s.endOffer(ctx, aggregate.System, o, actExpire, dispatch.OfferExpired, "no answer by the deadline")
	})
	if notFound(err) {
		return nil
	}
	return err
}

// endOffer closes the open offer as declined or expired, excludes its candidate and asks
// for the next offer, in one write.
func (s *Service) endOffer(ctx context.Context, actor aggregate.Actor, o *ServiceOrder, act action, status, reason string) error {
	off := o.Offer.Close(status, s.clock.Now(), actor.ID, reason)
	events := []aggregate.Event{dispatch.AssignEvent(o.ID)}
	if status == dispatch.OfferExpired && off.Candidate.Kind == dispatch.CandidateOutlet {
		hook, err := s.dispatch.OutletNotice(ctx, off.Candidate.ID, dispatch.NewOfferNotice(dispatch.NoticeOfferExpired, o.ID, off, o.summary()))
		if err != nil {
			return err
		}
		events = append(events, hook...)
	}
	return s.move(ctx, actor, o, act, change{where: bson.D{{Key: "offer_id", Value: off.ID}}, unset: offerFields,
		push:   bson.D{{Key: "offers", Value: off}, {Key: "excluded", Value: off.Candidate.ID}},
		events: events, note: fmt.Sprintf("offer %d to %s %s %s: %s", off.Attempt, off.Candidate.Kind, off.Candidate.ID, status, reason)})
}

// HandleEscalated logs an escalation for the operators; the board is where dispatchers
// see it. A notification gateway can consume the same event.
func (s *Service) HandleEscalated(ctx context.Context, t *asynq.Task) error {
	var e Escalation
	if err := decode(t, &e); err != nil {
		return err
	}
	s.log.WarnContext(ctx, "service order needs a dispatcher", "order_id", e.OrderID, "reason", e.Reason, "offers", e.Attempts)
	return nil
}
