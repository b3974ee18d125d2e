package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/webhook"
)

// Events an outsourced outlet's system is told about through its signed webhook.
const (
	NoticeOfferCreated   = "offer.created"
	NoticeOfferExpired   = "offer.expired"
	NoticeOfferWithdrawn = "offer.withdrawn"
	NoticeOrderAssigned  = "order.assigned"   // a dispatcher assigned the job to the outlet by hand
	NoticeOrderCancelled = "order.cancelled"  // an accepted job was cancelled
	NoticeOrderReleased  = "order.unassigned" // a dispatcher moved an accepted job elsewhere
)

// JobSummary is what an outlet is told about a job it is offered: enough to decide,
// nothing about the customer until it has accepted.
type JobSummary struct {
	ServiceType string     `json:"service_type"`
	Category    string     `json:"category,omitempty"`
	Brand       string     `json:"brand,omitempty"`
	City        string     `json:"city,omitempty"`
	Lat         float64    `json:"lat"`
	Lon         float64    `json:"lon"`
	WindowStart *time.Time `json:"window_start,omitempty"`
	WindowEnd   *time.Time `json:"window_end,omitempty"`
	ResolveBy   *time.Time `json:"resolve_by,omitempty"`
	Priority    string     `json:"priority"`
}

// OfferNotice is the body of an offer webhook.
type OfferNotice struct {
	Event    string     `json:"event"`
	OrderID  string     `json:"order_id"`
	OfferID  string     `json:"offer_id,omitempty"`
	Attempt  int        `json:"attempt,omitempty"`
	Deadline *time.Time `json:"deadline,omitempty" doc:"accept before this time (offer.created)"`
	Job      JobSummary `json:"job"`
}

// NewOfferNotice describes offer o of order orderID for event.
func NewOfferNotice(event, orderID string, o Offer, job JobSummary) OfferNotice {
	n := OfferNotice{Event: event, OrderID: orderID, OfferID: o.ID, Attempt: o.Attempt, Job: job}
	if event == NoticeOfferCreated {
		d := o.Deadline
		n.Deadline = &d
	}
	return n
}

// OutletNotice returns the webhook event that tells outlet outletID about n, or none when
// the outlet is in-house, unknown or has no webhook configured. Put the event in the
// same write as the change it reports.
func (s *Service) OutletNotice(ctx context.Context, outletID string, n OfferNotice) ([]aggregate.Event, error) {
	var d outletDoc
	err := s.outlets.Load(ctx, outletID, &d)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	case d.InHouse() || !d.Webhook.Configured():
		return nil, nil
	}
	return []aggregate.Event{webhook.NewEvent(webhook.Target{Kind: TargetOutlet, ID: outletID}, n.Event, queue.Outlet, n)}, nil
}
