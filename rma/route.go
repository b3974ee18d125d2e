package rma

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/webhook"
)

// Routing retries when no warehouse can take a return: from 15 minutes, doubling, up to
// a day (receiving capacity frees up daily; a warehouse may be added meanwhile).
const (
	firstRouteRetry = 15 * time.Minute
	maxRouteRetry   = 24 * time.Hour
)

// route sends an approved RMA to the warehouse that handles its category, nearest the
// customer, with capacity: one write sets the warehouse, moves the RMA to
// awaiting_return and queues the warehouse's webhook. It re-checks the RMA first, so a
// redelivered task (sweeper, retry) finds it routed and does nothing.
func (s *Service) route(ctx context.Context, id string) error {
	var routed *dispatch.Warehouse
	err := s.retry(ctx, id, func(r *RMA) error {
		if r.Status != StatusApproved || r.WarehouseID != "" || !r.Type.goodsBack() {
			return errNoop
		}
		now := s.clock.Now()
		w, err := s.router.RouteReturn(r.Category, r.Lat, r.Lon, now)
		if errors.Is(err, apperr.ErrConflict) {
			return s.deferRoute(ctx, r, apperr.Public(err).Message)
		}
		if err != nil {
			return err
		}
		r.WarehouseID = w.ID
		err = s.move(ctx, aggregate.System, r, actRoute, change{note: "to " + w.ID + " " + w.Name,
			set: bson.D{{Key: "warehouse_id", Value: w.ID}, {Key: "warehouse_name", Value: w.Name},
				{Key: "routed_at", Value: now}}, unset: []string{"route_note"},
			events: []aggregate.Event{s.notify(r, "rma.routed", routedBody(r))}})
		if err == nil {
			routed = &w
		}
		return err
	})
	if err == nil && routed != nil {
		s.bookReceiving(ctx, *routed)
	}
	return err
}

// deferRoute records why no warehouse could take the RMA and tries again later.
func (s *Service) deferRoute(ctx context.Context, r *RMA, why string) error {
	wait := firstRouteRetry << min(r.RouteAttempts, 10)
	wait = min(wait, maxRouteRetry)
	retry := aggregate.NewEvent(TypeRoute, queue.Warehouse, Ref{RMAID: r.ID}).At(s.clock.Now().Add(wait))
	return s.move(ctx, aggregate.System, r, actRouteDeferred, change{note: why + "; retry in " + wait.String(),
		set: bson.D{{Key: "route_note", Value: why}}, inc: bson.D{{Key: "route_attempts", Value: 1}},
		events: []aggregate.Event{retry}})
}

// bookReceiving counts the parcel against the warehouse's receiving capacity of the
// day. It runs after the routing write and is best effort: the count steers routing,
// it does not guard anything, so a lost increment only makes the warehouse look freer.
func (s *Service) bookReceiving(ctx context.Context, w dispatch.Warehouse) {
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil || w.TimeZone == "" {
		loc, _ = time.LoadLocation(dispatch.DefaultTimeZone)
	}
	if loc == nil {
		loc = time.UTC
	}
	if err := s.router.AddLoad(ctx, w.ID, dispatch.DayOf(s.clock.Now(), loc), 1); err != nil {
		s.log.WarnContext(ctx, "booking warehouse receiving capacity failed", "warehouse_id", w.ID, "err", err)
	}
}

// notify is the webhook event telling r's warehouse about event.
func (s *Service) notify(r *RMA, event string, body any) aggregate.Event {
	return webhook.NewEvent(webhook.Target{Kind: "warehouse", ID: r.WarehouseID}, event, queue.Warehouse,
		map[string]any{"event": event, "rma_id": r.ID, "type": r.Type, "data": body})
}

// routedLine is a line as a warehouse's system learns of it.
type routedLine struct {
	LineNo  int      `json:"line_no"`
	SKU     string   `json:"sku"`
	Name    string   `json:"name"`
	Qty     int      `json:"qty"`
	Serials []string `json:"serials"`
}

func routedBody(r *RMA) map[string]any {
	lines := make([]routedLine, len(r.Lines))
	for i, l := range r.Lines {
		lines[i] = routedLine{LineNo: l.LineNo, SKU: l.SKU, Name: l.ProductName, Qty: l.Qty, Serials: l.Serials}
	}
	return map[string]any{"lines": lines, "created_at": r.CreatedAt}
}
