package parts

import (
	"context"
	"errors"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// Task types.
const (
	// TypeConsumed follows a recorded consumption: flags and a late defective match.
	TypeConsumed = "parts:consumed"
	// TypeScanFlags raises the clock-driven flags; schedule it periodically (hourly).
	TypeScanFlags = "parts:scan_flags"
	// TypeReconcile repairs stock operations a crash left pending; schedule it
	// periodically (every few minutes).
	TypeReconcile = "parts:reconcile"
)

// ConsumedData is the data of TypeConsumed.
type ConsumedData struct {
	ConsumptionID string `json:"consumption_id"`
}

// Register adds the package's task handlers to mux.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeConsumed, s.HandleConsumed)
	mux.HandleFunc(TypeScanFlags, s.HandleScanFlags)
	mux.HandleFunc(TypeReconcile, s.HandleReconcile)
}

// HandleConsumed runs the follow-up of a consumption; every step is idempotent.
func (s *Service) HandleConsumed(ctx context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	var data ConsumedData
	if err := env.Decode(&data); err != nil {
		return err
	}
	err = s.afterConsumed(ctx, data.ConsumptionID)
	if errors.Is(err, apperr.ErrNotFound) {
		return fmt.Errorf("consumption %s: %w", data.ConsumptionID, asynq.SkipRetry)
	}
	return err
}

// HandleScanFlags runs ScanFlags.
func (s *Service) HandleScanFlags(ctx context.Context, _ *asynq.Task) error {
	res, err := s.ScanFlags(ctx)
	if res != (ScanResult{}) {
		s.log.InfoContext(ctx, "parts flags scanned", "overdue", res.DefectiveOverdue,
			"ratio_raised", res.RatioRaised, "ratio_cleared", res.RatioCleared)
	}
	return err
}

// HandleReconcile runs Reconcile.
func (s *Service) HandleReconcile(ctx context.Context, _ *asynq.Task) error {
	res, err := s.Reconcile(ctx)
	if res != (ReconcileResult{}) {
		s.log.WarnContext(ctx, "stranded stock operations repaired", "completed", res.Completed,
			"rolled_back", res.RolledBack, "discarded", res.Discarded)
	}
	return err
}
