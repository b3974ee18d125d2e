package fees

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// TypeGenerateStatements is the periodic statement run; schedule it (hourly is plenty:
// it is idempotent). It settles every outlet's brand-paid work of the previous month
// and any earlier work still off a statement (late or rolled jobs).
const TypeGenerateStatements = "fees:generate_statements"

// Register adds the package's task handlers to mux.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeScheduleChanged, s.HandleScheduleChanged)
	mux.HandleFunc(TypeJobPriced, s.HandleJobPriced)
	mux.HandleFunc(TypeGenerateStatements, s.HandleGenerateStatements)
}

// HandleScheduleChanged reloads the schedule into this process's LabourFee cache.
// Reloading is idempotent, so redelivery is harmless.
func (s *Service) HandleScheduleChanged(ctx context.Context, t *asynq.Task) error {
	var data ScheduleChanged
	if err := decode(t, &data); err != nil {
		return err
	}
	_, err := s.refreshSchedule(ctx, data.ScheduleID)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	return err
}

// HandleJobPriced puts a newly priced job on its outlet's statement for its period if
// that statement exists (as a draft; past draft the job rolls to the next period). With
// no statement yet it does nothing: the periodic run creates it.
func (s *Service) HandleJobPriced(ctx context.Context, t *asynq.Task) error {
	var data JobPriced
	if err := decode(t, &data); err != nil {
		return err
	}
	var d pricedDoc
	if err := s.jobs.Load(ctx, data.OrderID, &d); errors.Is(err, apperr.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if !d.settleable() || d.StatementID != "" {
		return nil
	}
	return s.settle(ctx, System, d.OutletID, d.SettlePeriod, false, 0)
}

// HandleGenerateStatements runs GenerateDue at the clock's time.
func (s *Service) HandleGenerateStatements(ctx context.Context, _ *asynq.Task) error {
	n, err := s.GenerateDue(ctx)
	if n > 0 {
		s.log.InfoContext(ctx, "settlement statements brought up to date", "outlet_periods", n)
	}
	return err
}

// GenerateDue settles every outlet's unsettled brand-paid work of months before the
// current one (Shanghai), creating statements as needed, and returns how many
// (outlet, period) pairs it handled. One failing pair does not stop the others.
func (s *Service) GenerateDue(ctx context.Context) (int, error) {
	current, _ := parsePeriod(Period(s.clock.Now()))
	last := current.AddDate(0, -1, 0).Format("2006-01")
	pairs, err := s.unsettled(ctx, bson.D{{Key: "settle_period", Value: bson.D{{Key: "$lte", Value: last}}}})
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, pr := range pairs {
		errs = append(errs, s.settle(ctx, System, pr[0], pr[1], true, 0))
	}
	return len(pairs), errors.Join(errs...)
}

func decode(t *asynq.Task, v any) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	return env.Decode(v)
}
