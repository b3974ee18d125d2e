package mobileapi

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/orders"
)

// AppointmentChangesCollection keeps the reason of every appointment the technician
// set or moved (orders keeps the window itself).
const AppointmentChangesCollection = "appointment_changes"

// Accept takes the job id offered directly to the caller.
func (s *Service) Accept(ctx context.Context, p auth.Principal, id string) (JobView, error) {
	o, err := s.job(ctx, p, id)
	if err != nil {
		return JobView{}, err
	}
	if o.Status != orders.StatusOffered || o.OfferTechnicianID != p.TechnicianID {
		return JobView{}, apperr.Conflict("the job is not offered to you (it is %s)", o.Status)
	}
	o, err = s.orders.AcceptOffer(ctx, p, o.OfferID, orders.AcceptInput{})
	if err != nil {
		return JobView{}, err
	}
	return jobView(o, p.TechnicianID), nil
}

// DeclineRequest turns an offer down.
type DeclineRequest struct {
	Reason string `json:"reason" doc:"at most 1000 characters"`
}

// Validate requires a reason.
func (r DeclineRequest) Validate() error { return orders.DeclineInput{Reason: r.Reason}.Validate() }

// Decline turns down the job id offered to the caller.
func (s *Service) Decline(ctx context.Context, p auth.Principal, id string, r DeclineRequest) error {
	o, err := s.job(ctx, p, id)
	if err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if o.Status != orders.StatusOffered || o.OfferTechnicianID != p.TechnicianID {
		return apperr.Conflict("the job is not offered to you (it is %s)", o.Status)
	}
	_, err = s.orders.DeclineOffer(ctx, p, o.OfferID, orders.DeclineInput{Reason: r.Reason})
	return err
}

// AppointmentRequest sets or moves the visit window; moving it needs a reason.
type AppointmentRequest struct {
	Start  string `json:"start" doc:"RFC 3339"`
	End    string `json:"end" doc:"RFC 3339"`
	Reason string `json:"reason,omitempty" doc:"required when an appointment is moved; at most 500 characters"`
}

// Validate checks the window.
func (r AppointmentRequest) Validate() error {
	if err := (orders.AppointmentInput{Start: r.Start, End: r.End}).Validate(); err != nil {
		return err
	}
	f := apperr.Fields{}
	f.MaxLen("reason", r.Reason, 500)
	return f.Err()
}

type appointmentChange struct {
	ID           string         `bson:"_id"`
	OrderID      string         `bson:"order_id"`
	TechnicianID string         `bson:"technician_id"`
	From         *orders.Window `bson:"from,omitempty"`
	To           *orders.Window `bson:"to"`
	Reason       string         `bson:"reason,omitempty"`
	At           time.Time      `bson:"at"`
}

// Appointment sets or reschedules the caller's job id.
func (s *Service) Appointment(ctx context.Context, p auth.Principal, id string, r AppointmentRequest) (JobView, error) {
	o, err := s.job(ctx, p, id)
	if err != nil {
		return JobView{}, err
	}
	if err := r.Validate(); err != nil {
		return JobView{}, err
	}
	if o.Appointment != nil && strings.TrimSpace(r.Reason) == "" {
		return JobView{}, apperr.Fields{"reason": "is required to move an appointment"}.Err()
	}
	from := o.Appointment
	o, err = s.orders.SetAppointment(ctx, p, id, orders.AppointmentInput{Start: r.Start, End: r.End})
	if err != nil {
		return JobView{}, err
	}
	ch := appointmentChange{ID: ids.New("APC"), OrderID: id, TechnicianID: p.TechnicianID, From: from, To: o.Appointment,
		Reason: strings.TrimSpace(r.Reason), At: s.clock.Now().UTC()}
	if err := s.appointments.Insert(ctx, ch); err != nil {
		s.log.ErrorContext(ctx, "appointment reason not kept", "order", id, "err", err)
	}
	return jobView(o, p.TechnicianID), nil
}
