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
)

// pricer is what a completion needs of fees.
type pricer interface {
	Price(ctx context.Context, job fees.Job) (fees.PricedJob, error)
}

// completionHandler prices every completed service order from the fee schedules. It
// lives here because it joins two domains: orders announces, fees prices.
type completionHandler struct{ fees pricer }

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
	_, err = h.fees.Price(ctx, jobOf(done))
	var refused *apperr.Error
	if errors.As(err, &refused) && apperr.Status(err) < 500 {
		return fmt.Errorf("price %s: %v: %w", done.OrderID, err, asynq.SkipRetry)
	}
	return err
}

// jobOf turns a completion into the fee job: outsourced outlets are paid per their
// schedule; in-house work is priced on the default schedule (OutletID empty).
func jobOf(c orders.Completed) fees.Job {
	j := fees.Job{OrderID: c.OrderID, ServiceType: c.ServiceType, Category: c.Category,
		Region: firstNonEmpty(c.Province, c.City), DistanceKm: c.DistanceKm, CompletedAt: c.CompletedAt,
		InWarranty: c.InWarranty}
	if c.CandidateKind == "outlet" {
		j.OutletID = c.OutletID
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
