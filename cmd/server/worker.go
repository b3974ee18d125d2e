package main

import (
	"context"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/webhook"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
)

// TypeSweepIdempotency deletes expired Idempotency-Key records.
const (
	TypeSweepIdempotency = "maintenance:sweep_idempotency"
)

// buildMux registers every task handler in one place; event tasks are acknowledged by
// the outbox middleware once their handler succeeds.
func (a *App) buildMux() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Use(aggregate.NewAcker(a.db, a.log).Middleware)
	mux.Handle(aggregate.TypeSweep, a.sweeper)
	a.auth.Register(mux)
	a.registry.Register(mux)
	a.complaints.Register(mux)
	a.dispatch.Register(mux)
	a.fees.Register(mux)
	a.rma.Register(mux)
	a.orders.Register(mux)
	a.parts.Register(mux)
	mux.Handle(orders.TypeCompleted, completionHandler{fees: a.fees, parts: a.parts})
	mux.Handle(webhook.TypeDeliver, webhook.NewSender(a.dispatch, nil, a.clock))
	mux.HandleFunc(TypeSweepIdempotency, func(ctx context.Context, _ *asynq.Task) error {
		_, err := a.idem.Sweep(ctx)
		return err
	})
	return mux
}

// periodic lists the scheduled maintenance tasks and how often each runs.
func (a *App) periodic() map[string]time.Duration {
	return map[string]time.Duration{
		aggregate.TypeSweep:         a.cfg.SweepInterval,
		auth.TypeSweepRefreshTokens: time.Hour,
		TypeSweepIdempotency:        time.Hour,
		fees.TypeGenerateStatements: time.Hour,
		parts.TypeScanFlags:         time.Hour,
		parts.TypeReconcile:         2 * time.Minute,
	}
}

// startWorker starts the Asynq server and the scheduler of periodic tasks. Each periodic
// task is unique for its interval, so several workers do not run the same sweep at once.
func (a *App) startWorker() (stop func(), err error) {
	srv := a.redis.NewServer(a.cfg.WorkerConcurrency, a.log)
	if err := srv.Start(a.mux); err != nil {
		return nil, err
	}
	sched := asynq.NewScheduler(a.redis.Conn, &asynq.SchedulerOpts{Location: time.UTC, LogLevel: asynq.WarnLevel})
	for typ, every := range a.periodic() {
		_, err := sched.Register("@every "+every.String(), asynq.NewTask(typ, nil),
			asynq.Queue(queue.Critical), asynq.Unique(every), asynq.MaxRetry(1))
		if err != nil {
			srv.Shutdown()
			return nil, err
		}
	}
	if err := sched.Start(); err != nil {
		srv.Shutdown()
		return nil, err
	}
	a.log.Info("worker started", "concurrency", a.cfg.WorkerConcurrency)
	return func() { sched.Shutdown(); srv.Shutdown() }, nil
}
