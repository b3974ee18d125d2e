package orders

import (
	"time"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

// CustomerView is the customer as the caller may see them.
type CustomerView struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone" doc:"masked for roles that do not need the full number"`
}

// ServiceOrderView is an order as the API shows it. Outlets and technicians see their
// own offers only, not the engine's other candidates or their costs.
type ServiceOrderView struct {
	ID               string             `json:"id"`
	Type             string             `json:"type"`
	Status           string             `json:"status"`
	Priority         string             `json:"priority"`
	ComplaintID      string             `json:"complaint_id,omitempty"`
	RevisitOf        string             `json:"revisit_of,omitempty" doc:"the order this one is a follow-up visit of"`
	RevisitID        string             `json:"revisit_id,omitempty" doc:"the follow-up visit of this order"`
	RevisitReason    string             `json:"revisit_reason,omitempty"`
	Customer         CustomerView       `json:"customer"`
	Unit             *Unit              `json:"unit,omitempty"`
	Category         string             `json:"category,omitempty"`
	Brand            string             `json:"brand,omitempty"`
	Skills           []string           `json:"skills"`
	Site             *Site              `json:"site,omitempty"`
	Appointment      *Window            `json:"appointment,omitempty"`
	ResolveBy        *time.Time         `json:"resolve_by,omitempty"`
	Notes            string             `json:"notes,omitempty"`
	Decision         *dispatch.Decision `json:"decision,omitempty" doc:"the engine's latest decision with its top candidates (staff only)"`
	Offer            *OfferState        `json:"offer,omitempty" doc:"the open offer"`
	Offers           []dispatch.Offer   `json:"offers" doc:"closed offers, oldest first"`
	Attempts         int                `json:"attempts"`
	Escalated        bool               `json:"escalated"`
	EscalationReason string             `json:"escalation_reason,omitempty"`
	EscalatedAt      *time.Time         `json:"escalated_at,omitempty"`
	Assignment       *Assignment        `json:"assignment,omitempty"`
	Override         *Override          `json:"override,omitempty" doc:"a dispatcher's manual assignment (staff only)"`
	Visits           []Visit            `json:"visits"`
	Completion       *Completion        `json:"completion,omitempty"`
	FirstTimeFix     *bool              `json:"first_time_fix,omitempty" doc:"set on completion of a first visit; false once it needed a revisit"`
	CancelReason     string             `json:"cancel_reason,omitempty"`
	CompletedAt      *time.Time         `json:"completed_at,omitempty"`
	ClosedAt         *time.Time         `json:"closed_at,omitempty"`
	Version          int64              `json:"version"`
	CreatedAt        time.Time          `json:"created_at"`
	UpdatedAt        time.Time          `json:"updated_at"`
	History          []aggregate.Entry  `json:"history,omitempty" doc:"every change; only when reading one order"`
}

// OfferState is an open offer with the time it has left.
type OfferState struct {
	dispatch.Offer
	SecondsLeft int64 `json:"seconds_left" doc:"until the deadline; 0 once it has passed"`
}

func offerState(o *dispatch.Offer, now time.Time) *OfferState {
	if o == nil {
		return nil
	}
	return &OfferState{Offer: *o, SecondsLeft: max(0, int64(o.Deadline.Sub(now)/time.Second))}
}

// View is o as p sees it; withHistory adds the history (reading one order).
func View(o *ServiceOrder, p auth.Principal, now time.Time, withHistory bool) ServiceOrderView {
	v := ServiceOrderView{ID: o.ID, Type: o.Type, Status: o.Status, Priority: o.Priority, ComplaintID: o.ComplaintID,
		RevisitOf: o.RevisitOf, RevisitID: o.RevisitID, RevisitReason: o.RevisitNote,
		Customer: CustomerView{ID: o.CustomerID, Name: o.CustomerName, Phone: o.CustomerPhone}, Unit: o.Unit,
		Category: o.Category, Brand: o.Brand, Skills: o.Skills, Site: o.Site, Appointment: o.Appointment,
		ResolveBy: o.ResolveBy, Notes: o.Notes, Offer: offerState(o.Offer, now), Offers: o.Offers, Attempts: o.Attempts,
		Escalated: o.Escalated, EscalationReason: o.EscalationReason, EscalatedAt: o.EscalatedAt,
		Assignment: o.Assignment, Visits: o.Visits, Completion: o.Completion, FirstTimeFix: o.FirstTimeFix,
		CancelReason: o.CancelReason, CompletedAt: o.CompletedAt, ClosedAt: o.ClosedAt, Version: o.Version,
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	if !registry.CanSeePhone(p.Role) {
		v.Customer.Phone = registry.MaskPhone(v.Customer.Phone)
	}
	if p.HasRole(readers...) {
		v.Decision, v.Override = o.Decision, o.Override
	} else {
		v.Offers = ownOffers(p, o.Offers)
	}
	if withHistory {
		v.History = o.History
	}
	if v.Offers == nil {
		v.Offers = []dispatch.Offer{}
	}
	return v
}

func ownOffers(p auth.Principal, offers []dispatch.Offer) []dispatch.Offer {
	out := []dispatch.Offer{}
	for _, off := range offers {
		if answers(p, off.Candidate) {
			out = append(out, off)
		}
	}
	return out
}

// OfferView is an open offer as the outlet or technician offered it sees it: the job
// in outline, not the customer.
type OfferView struct {
	OfferID     string              `json:"offer_id"`
	OrderID     string              `json:"order_id"`
	Attempt     int                 `json:"attempt"`
	OfferedAt   time.Time           `json:"offered_at"`
	Deadline    time.Time           `json:"deadline"`
	SecondsLeft int64               `json:"seconds_left"`
	Job         dispatch.JobSummary `json:"job"`
	DistanceKm  float64             `json:"distance_km" doc:"from your base"`
}

// ViewOffer is o's open offer as its candidate sees it.
func ViewOffer(o *ServiceOrder, now time.Time) OfferView {
	st := offerState(o.Offer, now)
	if st == nil {
		return OfferView{OrderID: o.ID, Job: o.summary()}
	}
	return OfferView{OfferID: st.ID, OrderID: o.ID, Attempt: st.Attempt, OfferedAt: st.OfferedAt, Deadline: st.Deadline,
		SecondsLeft: st.SecondsLeft, Job: o.summary(), DistanceKm: st.Candidate.DistanceKm}
}
