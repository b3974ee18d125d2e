package orders

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// AcceptInput answers an offer with yes. An outlet manager may name the technician who
// will do the job at once (or later); an in-house technician accepts for themself.
type AcceptInput struct {
	TechnicianID string `json:"technician_id,omitempty" doc:"one of your outlet's active technicians (outlet managers)"`
}

// Validate checks the field's length.
func (in AcceptInput) Validate() error {
	f := apperr.Fields{}
	f.MaxLen("technician_id", in.TechnicianID, maxReferenceID)
	return f.Err()
}

// DeclineInput answers an offer with no.
type DeclineInput struct {
	Reason string `json:"reason" doc:"at most 1000 characters"`
}

// Validate requires a reason.
func (in DeclineInput) Validate() error { return requireText("reason", in.Reason, maxText) }

func requireText(field, v string, n int) error {
	f := apperr.Fields{}
	if f.Required(field, v) {
		f.MaxLen(field, strings.TrimSpace(v), n)
	}
	return f.Err()
}

// AcceptOffer accepts offer offerID for the outlet manager or in-house technician p.
// It lands only while that offer is the order's open offer and the order has not
// changed since it was read: against an expiry or a dispatcher's override at the same
// moment exactly one wins, and the loser gets a conflict.
func (s *Service) AcceptOffer(ctx context.Context, p auth.Principal, offerID string, in AcceptInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, off, err := s.openOfferFor(ctx, p, offerID)
	if err != nil {
		return nil, err
	}
	tech := p.TechnicianID
	if p.Role == auth.RoleOutlet {
		tech = strings.TrimSpace(in.TechnicianID)
		if tech != "" {
			if _, err := s.checkTechnician(ctx, "technician_id", tech, p.OutletID); err != nil {
				return nil, err
			}
		}
	}
	now := s.clock.Now()
	a := Assignment{Kind: off.Candidate.Kind, CandidateID: off.Candidate.ID, OutletID: off.Candidate.OutletID,
		TechnicianID: tech, At: now, By: p.UserID}
	sl := s.slotFor(o, off.Candidate.ID, &off.Candidate.ETA)
	note := fmt.Sprintf("offer %d accepted by %s %s", off.Attempt, off.Candidate.Kind, off.Candidate.ID)
	if tech != "" && p.Role == auth.RoleOutlet {
		note += "; technician " + tech + " assigned"
	}
	err = s.move(ctx, p.Actor(), o, actAccept, change{where: bson.D{{Key: "offer_id", Value: off.ID}},
		set: append(assignmentFields(a), sl.fields()...), unset: offerFields,
		push: bson.D{{Key: "offers", Value: off.Close(dispatch.OfferAccepted, now, p.UserID, "")}}, note: note})
	if err != nil {
		return nil, err
	}
	s.addLoad(ctx, sl, 1)
	return s.load(ctx, o.ID)
}

// DeclineOffer declines offer offerID for p; the order moves on to the next candidate.
func (s *Service) DeclineOffer(ctx context.Context, p auth.Principal, offerID string, in DeclineInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, _, err := s.openOfferFor(ctx, p, offerID)
	if err != nil {
		return nil, err
	}
	if err := s.endOffer(ctx, p.Actor(), o, actDecline, dispatch.OfferDeclined, strings.TrimSpace(in.Reason)); err != nil {
		return nil, err
	}
	return s.load(ctx, o.ID)
}

// openOfferFor finds offer offerID as p may answer it: an outlet manager answers offers
// to their outlet, a technician offers to themself. Anyone else's offer is not found.
// An offer that is no longer open is a conflict that says what became of it.
func (s *Service) openOfferFor(ctx context.Context, p auth.Principal, offerID string) (*ServiceOrder, dispatch.Offer, error) {
	if !p.HasRole(responders...) {
		return nil, dispatch.Offer{}, apperr.Forbidden("only the outlet or technician offered a job may answer it")
	}
	o, err := s.byOffer(ctx, offerID)
	if err != nil {
		return nil, dispatch.Offer{}, err
	}
	off, ok := o.findOffer(offerID)
	if !ok || !answers(p, off.Candidate) {
		return nil, dispatch.Offer{}, apperr.NotFound("offer")
	}
	if off.Status != dispatch.OfferOpen {
		return nil, dispatch.Offer{}, apperr.Conflict("the offer is %s", off.Status)
	}
	return o, off, nil
}

// findOffer returns the open offer or a closed one with id.
func (o *ServiceOrder) findOffer(id string) (dispatch.Offer, bool) {
	if o.Offer != nil && o.Offer.ID == id {
		return *o.Offer, true
	}
	for _, off := range o.Offers {
		if off.ID == id {
			return off, true
		}
	}
	return dispatch.Offer{}, false
}

// answers reports whether p is the candidate c.
func answers(p auth.Principal, c dispatch.Scored) bool {
	switch p.Role {
	case auth.RoleOutlet:
		return c.Kind == dispatch.CandidateOutlet && p.OutletID != "" && c.ID == p.OutletID
	case auth.RoleTechnician:
		return c.Kind == dispatch.CandidateTechnician && p.TechnicianID != "" && c.ID == p.TechnicianID
	}
	return false
}

// checkTechnician returns technician id when it is an active technician of outletID (of
// any outlet when outletID is empty), and refuses it as a validation error on field
// otherwise. Another outlet's technician reads like an unknown one, so nothing is learnt
// about other outlets.
func (s *Service) checkTechnician(ctx context.Context, field, id, outletID string) (dispatch.Technician, error) {
	t, err := s.dispatch.LookupTechnician(ctx, id)
	switch {
	case notFound(err) && outletID != "", err == nil && outletID != "" && t.OutletID != outletID:
		return t, apperr.Fields{field: "is not a technician of outlet " + outletID}.Err()
	case notFound(err):
		return t, apperr.Fields{field: "no such technician"}.Err()
	case err != nil:
		return t, err
	case !t.Active:
		return t, apperr.Fields{field: "is inactive"}.Err()
	}
	return t, nil
}

func assignmentFields(a Assignment) bson.D {
	set := bson.D{{Key: "assignment", Value: a}, {Key: "assigned_outlet_id", Value: a.OutletID}}
	if a.TechnicianID != "" {
		set = append(set, bson.E{Key: "assigned_technician_id", Value: a.TechnicianID})
	}
	return set
}

// slot is whose capacity an order takes, and on which day.
type slot struct {
	ref string
	day dispatch.Day
}

func (sl slot) fields() bson.D {
	return bson.D{{Key: "load_ref", Value: sl.ref}, {Key: "load_day", Value: sl.day}}
}

// slotFor is the slot of candidate ref for o: the appointment's day, else the day of the
// candidate's earliest arrival, else today.
func (s *Service) slotFor(o *ServiceOrder, ref string, eta *time.Time) slot {
	at := s.clock.Now()
	switch {
	case o.Appointment != nil:
		at = o.Appointment.Start
	case eta != nil && !eta.IsZero():
		at = *eta
	}
	return slot{ref: ref, day: s.dispatch.LoadDay(ref, at)}
}

func (o *ServiceOrder) slot() slot { return slot{ref: o.LoadRef, day: o.LoadDay} }

// addLoad changes the engine's count of open jobs after the order's write. A lost change
// only skews the engine's load term until the next count; it never blocks the order.
func (s *Service) addLoad(ctx context.Context, sl slot, delta int) {
	if sl.ref == "" {
		return
	}
	if err := s.dispatch.AddLoad(ctx, sl.ref, sl.day, delta); err != nil {
		s.log.WarnContext(ctx, "dispatch load change failed", "ref", sl.ref, "day", sl.day.String(), "delta", delta, "err", err)
	}
}
