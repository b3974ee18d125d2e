package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
)

// pricer is what a completion needs of fees.
type pricer interface {
	Price(ctx context.Context, job fees.Job) (fees.PricedJob, error)
}

// partsUsage is what a completion needs of parts: what the order consumed.
type partsUsage interface {
	UsedOn(ctx context.Context, orderID string) ([]parts.PartUsage, error)
}

// completionHandler prices every completed service order from the fee schedules, with
// the parts it consumed. It lives here because it joins three domains: orders
// announces, parts says what was fitted, fees prices.
type completionHandler struct {
	fees  pricer
	parts partsUsage
}

// ProcessTask handles orders.TypeCompleted. Pricing is idempotent per order (fees keeps
// the first lines), so a redelivery changes nothing. A job fees refuses (no schedule in
// force, say) will not price by retrying: it goes to the order's dead events, logged.
func (h completionHandler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	var done orders.Completed
	if err := env.Decode(&done); err != nil {
		return err
	}
	used, err := h.parts.UsedOn(ctx, done.OrderID)
	if err != nil {
		return fmt.Errorf("parts used on %s: %w", done.OrderID, err)
	}
	_, err = h.fees.Price(ctx, jobOf(done, used))
	var refused *apperr.Error
	if errors.As(err, &refused) && apperr.Status(err) < 500 {
		return fmt.Errorf("price %s: %v: %w", done.OrderID, err, asynq.SkipRetry)
	}
	return err
}

// jobOf turns a completion into the fee job: outsourced outlets are paid per their
// schedule; in-house work is priced on the default schedule (OutletID empty). Parts
// are priced at the list price recorded when each was consumed.
func jobOf(c orders.Completed, used []parts.PartUsage) fees.Job {
	j := fees.Job{OrderID: c.OrderID, ServiceType: c.ServiceType, Category: c.Category,
		Region: firstNonEmpty(c.Province, c.City), DistanceKm: c.DistanceKm, CompletedAt: c.CompletedAt,
		InWarranty: c.InWarranty}
	if c.CandidateKind == "outlet" {
		j.OutletID = c.OutletID
	}
	for _, u := range used {
		j.Parts = append(j.Parts, fees.PartUse{PartNo: u.PartNo, Qty: int(u.Qty), ListPrice: u.ListPrice})
	}
	return j
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
