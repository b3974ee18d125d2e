package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// AssignInput is a dispatcher's manual assignment: to an outsourced outlet, or to a
// technician (of an in-house team, or of an outsourced outlet).
type AssignInput struct {
	OutletID     string `json:"outlet_id,omitempty" doc:"an outsourced outlet; its manager assigns a technician"`
	TechnicianID string `json:"technician_id,omitempty"`
	Reason       string `json:"reason" doc:"why the engine's choice is overridden; at most 1000 characters"`
}

// Validate requires exactly one of outlet_id and technician_id, and a reason.
func (in AssignInput) Validate() error {
	f := apperr.Fields{}
	out, tech := strings.TrimSpace(in.OutletID), strings.TrimSpace(in.TechnicianID)
	switch {
	case out == "" && tech == "":
		f.Add("outlet_id", "outlet_id or technician_id is required")
	case out != "" && tech != "":
		f.Add("outlet_id", "give outlet_id or technician_id, not both")
	}
	f.MaxLen("outlet_id", out, maxReferenceID)
	f.MaxLen("technician_id", tech, maxReferenceID)
	if f.Required("reason", in.Reason) {
		f.MaxLen("reason", strings.TrimSpace(in.Reason), maxText)
	}
	return f.Err()
}

// Assign is a dispatcher's override: the order goes to the named outlet or technician
// at once, without an offer, withdrawing any open offer. It works while the order is
// dispatching (escalated or not), offered, or already assigned (a reassignment).
func (s *Service) Assign(ctx context.Context, p auth.Principal, id string, in AssignInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := allowed(p.Actor(), o, actAssign); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	a, err := s.manualAssignment(ctx, in)
	if err != nil {
		return nil, err
	}
	a.At, a.By, a.Manual, a.Reason = now, p.UserID, true, strings.TrimSpace(in.Reason)
	ov := Override{By: p.UserID, Reason: a.Reason, At: now}
	if job, why := o.job(); why == "" {
		if sc, inel, ok := s.dispatch.Score(job, a.CandidateID, now); ok {
			ov.Candidate, ov.Ineligible = &sc, inel
		}
	}
	ch, sl, err := s.overrideChange(ctx, o, a, ov)
	if err != nil {
		return nil, err
	}
	if err := s.move(ctx, p.Actor(), o, actAssign, ch); err != nil {
		return nil, err
	}
	s.addLoad(ctx, o.slot(), -1)
	s.addLoad(ctx, sl, 1)
	return s.load(ctx, id)
}

// manualAssignment resolves the named outlet or technician into an assignment, refusing
// unknown, suspended or inactive ones as validation errors.
func (s *Service) manualAssignment(ctx context.Context, in AssignInput) (Assignment, error) {
	if techID := strings.TrimSpace(in.TechnicianID); techID != "" {
		t, err := s.checkTechnician(ctx, "technician_id", techID, "")
		if err != nil {
			return Assignment{}, err
		}
		out, err := s.assignableOutlet(ctx, "technician_id", t.OutletID)
		if err != nil {
			return Assignment{}, err
		}
		if out.InHouse() {
			return Assignment{Kind: dispatch.CandidateTechnician, CandidateID: t.ID, OutletID: out.ID, TechnicianID: t.ID}, nil
		}
		return Assignment{Kind: dispatch.CandidateOutlet, CandidateID: out.ID, OutletID: out.ID, TechnicianID: t.ID}, nil
	}
	out, err := s.assignableOutlet(ctx, "outlet_id", strings.TrimSpace(in.OutletID))
	if err != nil {
		return Assignment{}, err
	}
	if out.InHouse() {
		return Assignment{}, apperr.Fields{"outlet_id": "is an in-house team: assign one of its technicians with technician_id"}.Err()
	}
	return Assignment{Kind: dispatch.CandidateOutlet, CandidateID: out.ID, OutletID: out.ID}, nil
}

func (s *Service) assignableOutlet(ctx context.Context, field, id string) (dispatch.Outlet, error) {
	out, err := s.dispatch.LookupOutlet(ctx, id)
	switch {
	case notFound(err) && field == "outlet_id":
		return out, apperr.Fields{field: "no such outlet"}.Err()
	case err != nil:
		return out, err
	case out.Suspended && field == "outlet_id":
		return out, apperr.Fields{field: "is suspended"}.Err()
	case out.Suspended:
		return out, apperr.Fields{field: "works for a suspended outlet"}.Err()
	}
	return out, nil
}

// overrideChange is the write of a manual assignment: the assignment and the override,
// the open offer withdrawn, the escalation cleared, and the outlets told. It returns the
// capacity slot the order takes.
func (s *Service) overrideChange(ctx context.Context, o *ServiceOrder, a Assignment, ov Override) (change, slot, error) {
	var eta *time.Time
	if ov.Candidate != nil {
		eta = &ov.Candidate.ETA
	}
	sl := s.slotFor(o, a.CandidateID, eta)
	set := append(append(assignmentFields(a), sl.fields()...), bson.E{Key: "override", Value: ov},
		bson.E{Key: "escalated", Value: false})
	unset := append([]string{"escalation_reason"}, offerFields...)
	if a.TechnicianID == "" {
		unset = append(unset, "assigned_technician_id")
	}
	ch := change{set: set, unset: unset, note: fmt.Sprintf("assigned to %s %s by hand: %s", a.Kind, a.CandidateID, ov.Reason)}
	if o.Offer != nil {
		ch.push = bson.D{{Key: "offers", Value: o.Offer.Close(dispatch.OfferWithdrawn, ov.At, ov.By, "assigned by a dispatcher")}}
	}
	events, err := s.overrideNotices(ctx, o, a)
	ch.events = events
	return ch, sl, err
}

// overrideNotices tells the outlets concerned: the one whose offer is withdrawn, the one
// that lost an accepted job, and the one the job was assigned to.
func (s *Service) overrideNotices(ctx context.Context, o *ServiceOrder, a Assignment) ([]aggregate.Event, error) {
	type notice struct{ outlet, event string }
	var ns []notice
	if o.Offer != nil && o.Offer.Candidate.Kind == dispatch.CandidateOutlet {
		ns = append(ns, notice{o.Offer.Candidate.ID, dispatch.NoticeOfferWithdrawn})
	}
	if prev := o.Assignment; prev != nil && prev.Kind == dispatch.CandidateOutlet && prev.OutletID != a.OutletID {
		ns = append(ns, notice{prev.OutletID, dispatch.NoticeOrderReleased})
	}
	if a.Kind == dispatch.CandidateOutlet {
		ns = append(ns, notice{a.OutletID, dispatch.NoticeOrderAssigned})
	}
	var out []aggregate.Event
	for _, n := range ns {
		var off dispatch.Offer
		if o.Offer != nil && n.event == dispatch.NoticeOfferWithdrawn {
			off = *o.Offer
		}
		ev, err := s.dispatch.OutletNotice(ctx, n.outlet, dispatch.NewOfferNotice(n.event, o.ID, off, o.summary()))
		if err != nil {
			return nil, err
		}
		out = append(out, ev...)
	}
	return out, nil
}

// RedispatchInput asks the engine to try again for an escalated order.
type RedispatchInput struct {
	Reason       string `json:"reason" doc:"what changed, e.g. a technician was added; at most 1000 characters"`
	ForgetOffers bool   `json:"forget_offers,omitempty" doc:"offer again to candidates that declined or let an offer expire"`
}

// Validate requires a reason.
func (in RedispatchInput) Validate() error { return requireText("reason", in.Reason, maxText) }

// Redispatch clears an order's escalation and runs the engine again.
func (s *Service) Redispatch(ctx context.Context, p auth.Principal, id string, in RedispatchInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := allowed(p.Actor(), o, actRedispatch); err != nil {
		return nil, err
	}
	if !o.Escalated {
		return nil, apperr.Conflict("the service order is not escalated; the engine is still working on it")
	}
	ch := change{where: bson.D{{Key: "escalated", Value: true}}, set: bson.D{{Key: "escalated", Value: false}},
		unset: []string{"escalation_reason"}, events: []aggregate.Event{dispatch.AssignEvent(o.ID)},
		note: strings.TrimSpace(in.Reason)}
	if in.ForgetOffers {
		ch.set = append(ch.set, bson.E{Key: "excluded", Value: []string{}}, bson.E{Key: "attempts", Value: 0})
	}
	if err := s.move(ctx, p.Actor(), o, actRedispatch, ch); err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

// TechnicianInput names the technician who does an assigned job.
type TechnicianInput struct {
	TechnicianID string `json:"technician_id"`
}

// Validate requires the technician.
func (in TechnicianInput) Validate() error {
	f := apperr.Fields{}
	requireID(f, "technician_id", strings.TrimSpace(in.TechnicianID))
	return f.Err()
}

// AssignTechnician names (or changes) the technician of an accepted order: the assigned
// outlet's manager, or a dispatcher, picks one of that outlet's active technicians.
func (s *Service) AssignTechnician(ctx context.Context, p auth.Principal, id string, in TechnicianInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, err := s.visible(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if p.Role == auth.RoleOutlet && o.AssignedOutletID != p.OutletID {
		return nil, apperr.NotFound("service order")
	}
	if _, err := allowed(p.Actor(), o, actAssignTechnician); err != nil {
		return nil, err
	}
	tech := strings.TrimSpace(in.TechnicianID)
	if _, err := s.checkTechnician(ctx, "technician_id", tech, o.AssignedOutletID); err != nil {
		return nil, err
	}
	a := *o.Assignment
	a.TechnicianID = tech
	old, next := o.slot(), o.slot()
	if a.Kind == dispatch.CandidateTechnician && old.ref != "" {
		// an in-house job is the technician's own: the new one takes it and its capacity
		a.CandidateID, next = tech, s.slotFor(o, tech, nil)
	}
	err = s.move(ctx, p.Actor(), o, actAssignTechnician, change{
		set:  append(bson.D{{Key: "assigned_technician_id", Value: tech}, {Key: "assignment", Value: a}}, next.fields()...),
		note: "technician " + tech})
	if err != nil {
		return nil, err
	}
	if next != old {
		s.addLoad(ctx, old, -1)
		s.addLoad(ctx, next, 1)
	}
	return s.load(ctx, id)
}
