package rma

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/registry"
)

// Create opens an RMA for an agent. Its lines' quantities are reserved against their
// sales-order lines before it answers: a line with too little left makes it a 409 with
// per-line details, and nothing of it stays.
func (s *Service) Create(ctx context.Context, p auth.Principal, in CreateInput) (*RMA, error) {
	if !p.HasRole(desk...) {
		return nil, apperr.Forbidden("your role may not open RMAs")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r, err := s.draft(ctx, in)
	if err != nil {
		return nil, err
	}
	r.ID = ids.New("RMA")
	r.RequestID, r.CreatedBy = r.ID, p.UserID
	if err := s.insert(ctx, p.Actor(), r); err != nil {
		return nil, err
	}
	if err := s.reserve(ctx, r); err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			s.discard(ctx, r)
		}
		return nil, err
	}
	return s.load(ctx, r.ID)
}

// insert writes r in status requested with its claims pending, and the timer that
// finishes or undoes the claims should its creator die before it does.
func (s *Service) insert(ctx context.Context, actor aggregate.Actor, r *RMA) error {
	check := aggregate.NewEvent(TypeClaimsCheck, queue.Default, Ref{RMAID: r.ID}).
		At(s.clock.Now().Add(s.policy.ClaimsCheckAfter))
	return s.store.Create(ctx, r.ID, r, aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: string(actCreated),
		To: string(StatusRequested), Note: fmt.Sprintf("%s, %d lines", r.Type, len(r.Lines))}, check)
}

// reserve claims every line of r, one conditional update each. When a line cannot be
// claimed, the lines taken are released and a conflict names the line. When all are
// claimed, r's claims are marked done and the units' histories learn of the RMA.
func (s *Service) reserve(ctx context.Context, r *RMA) error {
	for i, l := range r.Lines {
		err := s.claims.claim(ctx, l.claim(r.ID))
		if errors.Is(err, errClaimRefused) {
			s.releaseLines(ctx, r.ID, r.Lines[:i])
			return s.refusal(ctx, i, l)
		}
		if err != nil {
			return err
		}
	}
	return s.retry(ctx, r.ID, func(cur *RMA) error {
		if !cur.ClaimsPending {
			return errNoop
		}
		return s.move(ctx, aggregate.System, cur, actReserved, change{
			set: bson.D{{Key: "claims_pending", Value: false}}, events: s.touches(cur, "opened"),
		})
	})
}

// refusal explains why line i could not be claimed.
func (s *Service) refusal(ctx context.Context, i int, l Line) error {
	field, msg := fmt.Sprintf("lines[%d].serials", i), "a serial is already on another open RMA"
	if d, err := s.claims.get(ctx, claimKey(l.SalesOrderID, l.OrderLineNo)); err == nil && d.Claimed+l.Qty > l.Delivered {
		field = fmt.Sprintf("lines[%d].qty", i)
		msg = fmt.Sprintf("only %d of the %d delivered are not on another RMA", max(0, l.Delivered-d.Claimed), l.Delivered)
	}
	return &apperr.Error{Code: apperr.CodeConflict, Message: "the quantity asked for is no longer returnable",
		Details: map[string]string{field: msg}}
}

// releaseLines gives back what lines hold; a failure is logged, since the release event
// of a rejected or cancelled RMA repeats it.
func (s *Service) releaseLines(ctx context.Context, rmaID string, lines []Line) {
	for _, l := range lines {
		if err := s.claims.release(ctx, l.claim(rmaID)); err != nil {
			s.log.WarnContext(ctx, "rma claim release failed", "rma_id", rmaID, "line_no", l.LineNo, "err", err)
		}
	}
}

// discard deletes an RMA whose claims failed: it never existed for anyone but its
// creator, who gets the conflict. Only an RMA still pending is deleted.
func (s *Service) discard(ctx context.Context, r *RMA) {
	if _, err := s.store.Collection().DeleteByID(ctx, r.ID, bson.D{{Key: "claims_pending", Value: true}}); err != nil {
		s.log.WarnContext(ctx, "discarding an unclaimed RMA failed; the claims check finishes it", "rma_id", r.ID, "err", err)
	}
}

// touches are the unit-history events of r's named serials.
func (s *Service) touches(r *RMA, what string) []aggregate.Event {
	var out []aggregate.Event
	now := s.clock.Now()
	for _, l := range r.Lines {
		for _, serial := range l.Serials {
			out = append(out, registry.UnitTouched(serial, registry.KindRMA, r.ID,
				fmt.Sprintf("RMA %s (%s) %s", r.ID, r.Type, what), now))
		}
	}
	return out
}

// checkClaims finishes the claims of an RMA whose creator died between its insert and
// its claims: it claims what is left (claims are idempotent) and, when a line cannot be
// had any more, rejects the RMA as the system so its complaint learns why.
func (s *Service) checkClaims(ctx context.Context, id string) error {
	r, err := s.load(ctx, id)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && (!r.ClaimsPending || r.Status != StatusRequested)) {
		return nil
	}
	if err != nil {
		return err
	}
	err = s.reserve(ctx, r)
	if !errors.Is(err, apperr.ErrConflict) {
		return err
	}
	return s.systemReject(ctx, id, apperr.Public(err))
}

// systemReject ends an RMA the desk could not honour, as the system.
func (s *Service) systemReject(ctx context.Context, id string, why *apperr.Error) error {
	reason := why.Message
	for k, v := range why.Details {
		reason += "; " + k + ": " + v
	}
	return s.retry(ctx, id, func(r *RMA) error {
		if r.Status != StatusRequested {
			return errNoop
		}
		return s.end(ctx, aggregate.System, r, actReject, OutcomeRejected, reason)
	})
}
