package rma

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/queue"
)

// step decides what an action writes on the RMA it is given, or refuses it.
type step func(r *RMA) (action, change, error)

// act loads RMA id as p may see it, lets st decide, and writes the result as one
// conditional update. A lost race answers 409 version_conflict: the caller re-reads.
func (s *Service) act(ctx context.Context, p auth.Principal, id string, st step) (*RMA, error) {
	r, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	act, ch, err := st(r)
	if err != nil {
		return nil, err
	}
	if err := s.move(ctx, p.Actor(), r, act, ch); err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

// Approve approves an RMA whose every line is eligible or overridden. Goods-back RMAs
// are routed to a warehouse by the rma:route task queued in the same write.
func (s *Service) Approve(ctx context.Context, p auth.Principal, id string) (*RMA, error) {
	return s.act(ctx, p, id, func(r *RMA) (action, change, error) {
		if _, err := next(r, p.Role, actApprove); err != nil {
			return "", change{}, err
		}
		details := map[string]string{}
		for i, l := range r.Lines {
			if !l.allowed() {
				details[fmt.Sprintf("lines[%d]", i)] = fmt.Sprintf("line %d is not eligible (%s); a supervisor must override it",
					l.LineNo, strings.Join(l.Policy.Reasons, ", "))
			}
		}
		if len(details) > 0 {
			return "", change{}, &apperr.Error{Code: apperr.CodeConflict, Message: "the RMA has lines the policy does not allow",
				Details: details}
		}
		ch := change{note: "approved"}
		if r.Type.goodsBack() {
			ch.events = []aggregate.Event{aggregate.NewEvent(TypeRoute, queue.Warehouse, Ref{RMAID: r.ID})}
		}
		return actApprove, ch, nil
	})
}

// Override lets a supervisor allow a line the policy found ineligible; who and why are
// kept on the line.
func (s *Service) Override(ctx context.Context, p auth.Principal, id string, in OverrideInput) (*RMA, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, func(r *RMA) (action, change, error) {
		i := slices.IndexFunc(r.Lines, func(l Line) bool { return l.LineNo == in.LineNo })
		switch {
		case i < 0:
			return "", change{}, apperr.Fields{"line_no": "is not a line of this RMA"}.Err()
		case r.Lines[i].Policy.Eligible:
			return "", change{}, apperr.Conflict("line %d is eligible; there is nothing to override", in.LineNo)
		case r.Lines[i].Override != nil:
			return "", change{}, apperr.Conflict("line %d is already overridden", in.LineNo)
		}
		lines := slices.Clone(r.Lines)
		lines[i].Override = &Override{By: p.UserID, Role: p.Role, At: s.clock.Now(), Reason: strings.TrimSpace(in.Reason)}
		return actOverride, change{set: bson.D{{Key: "lines", Value: lines}},
			note: fmt.Sprintf("line %d (%s): %s", in.LineNo, strings.Join(r.Lines[i].Policy.Reasons, ", "), in.Reason)}, nil
	})
}

// Reject refuses a requested RMA; its lines' quantities become returnable again.
func (s *Service) Reject(ctx context.Context, p auth.Principal, id string, in ReasonInput) (*RMA, error) {
	return s.finish(ctx, p, id, in, actReject, OutcomeRejected)
}

// Cancel withdraws an RMA before its goods arrive; its lines' quantities become
// returnable again and a warehouse it was routed to is told.
func (s *Service) Cancel(ctx context.Context, p auth.Principal, id string, in ReasonInput) (*RMA, error) {
	return s.finish(ctx, p, id, in, actCancel, OutcomeCancelled)
}

func (s *Service) finish(ctx context.Context, p auth.Principal, id string, in ReasonInput, act action, outcome string) (*RMA, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := s.end(ctx, p.Actor(), r, act, outcome, strings.TrimSpace(in.Reason)); err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

// end moves r to the end of its life by act: the outcome, the complaint's news, the
// units' history, the release of the claims (unless the goods were kept) and the
// warehouse's notice, in one write. The claims are also released at once here; the
// release event repeats it should this process die first.
func (s *Service) end(ctx context.Context, actor aggregate.Actor, r *RMA, act action, outcome, reason string, extra ...bson.E) error {
	to, err := next(r, actor.Role, act)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	typ := TypeCancelled
	if to == StatusClosed {
		typ = TypeClosed
	}
	ev := Ended{RMAID: r.ID, ComplaintID: r.ComplaintID, RequestID: r.RequestID, Outcome: outcome, Reason: reason}
	events := append(s.touches(r, string(to)+": "+reason), aggregate.NewEvent(typ, queue.Default, ev))
	release := outcome != OutcomeCompleted || r.Type == TypeDepotRepair
	if release {
		events = append(events, aggregate.NewEvent(TypeRelease, queue.Default, Ref{RMAID: r.ID}))
	}
	if r.WarehouseID != "" && act == actCancel {
		events = append(events, s.notify(r, "rma.cancelled", map[string]any{"reason": reason}))
	}
	err = s.move(ctx, actor, r, act, change{note: reason, events: events, set: append(bson.D{
		{Key: "outcome", Value: outcome}, {Key: "end_reason", Value: reason}, {Key: "ended_at", Value: now},
		{Key: "claims_pending", Value: false}}, extra...)})
	if err == nil && release {
		s.releaseLines(ctx, r.ID, r.Lines)
	}
	return err
}

// ReturnShipped records the carrier and tracking number the customer sent the goods
// back with, and tells the warehouse.
func (s *Service) ReturnShipped(ctx context.Context, p auth.Principal, id string, in ShipmentInput) (*RMA, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, func(r *RMA) (action, change, error) {
		sh := s.shipment(p, in)
		return actReturnShipped, change{set: bson.D{{Key: "return_shipment", Value: sh}},
			note:   sh.Carrier + " " + sh.TrackingNo,
			events: []aggregate.Event{s.notify(r, "rma.return_shipped", map[string]any{"carrier": sh.Carrier, "tracking_no": sh.TrackingNo})}}, nil
	})
}

func (s *Service) shipment(p auth.Principal, in ShipmentInput) Shipment {
	return Shipment{Carrier: strings.TrimSpace(in.Carrier), TrackingNo: strings.TrimSpace(in.TrackingNo), At: s.clock.Now(), By: p.UserID}
}

// Decide is a supervisor's ruling on an RMA blocked by goods that did not match:
// accept unblocks it; reject_refund closes it refused, and its quantities become
// returnable again (the goods go back to the customer).
func (s *Service) Decide(ctx context.Context, p auth.Principal, id string, in DecideInput) (*RMA, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	act := actAcceptMismatch
	if in.Decision == DecisionRejectRefund {
		act = actRefuse
	}
	if _, err := next(r, p.Role, act); err != nil {
		return nil, err
	}
	if !r.RefundBlocked {
		return nil, apperr.Conflict("the RMA is not blocked; there is nothing to decide")
	}
	d := Decision{Decision: in.Decision, Reason: strings.TrimSpace(in.Reason), By: p.UserID, At: s.clock.Now()}
	if act == actRefuse {
		err = s.end(ctx, p.Actor(), r, actRefuse, OutcomeRefused, d.Reason, bson.E{Key: "decision", Value: d})
	} else {
		err = s.move(ctx, p.Actor(), r, act, change{note: d.Reason,
			set: bson.D{{Key: "refund_blocked", Value: false}, {Key: "decision", Value: d}}})
	}
	if err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}
