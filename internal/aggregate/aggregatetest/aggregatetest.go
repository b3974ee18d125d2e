// Package aggregatetest runs outbox events in tests without a queue: it hands every
// event that is due by the test's clock to the real task handlers, through the same
// acknowledging middleware the worker uses. Tests of timers (SLA warnings, offer
// deadlines) move a manual clock and call RunDue instead of sleeping.
package aggregatetest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Runner delivers due events from the named aggregate collections to mux.
type Runner struct {
	DB    *mongox.DB
	Mux   *asynq.ServeMux
	Colls []string
	Now   func() time.Time
}

// RunDue delivers every event due by Now, repeating until no due event is left (a handler
// may queue more), and returns the types it ran in order. A handler error fails the test.
func (r Runner) RunDue(tb testing.TB) []string {
	tb.Helper()
	ctx := context.Background()
	h := aggregate.NewAcker(r.DB, slog.New(slog.DiscardHandler)).Middleware(r.Mux)
	var ran []string
	for round := 0; round < 100; round++ {
		due := r.due(tb, ctx)
		if len(due) == 0 {
			return ran
		}
		for _, e := range due {
			if err := h.ProcessTask(ctx, task(tb, e)); err != nil {
				tb.Fatalf("event %s (%s): %v", e.ID, e.Type, err)
			}
			ran = append(ran, e.Type)
		}
	}
	tb.Fatalf("events kept coming after 100 rounds: %v", ran)
	return ran
}

func (r Runner) due(tb testing.TB, ctx context.Context) []aggregate.Event {
	now := r.Now()
	var out []aggregate.Event
	for _, name := range r.Colls {
		var docs []struct {
			Outbox []aggregate.Event `bson:"outbox"`
		}
		filter := bson.D{{Key: "outbox_due", Value: bson.D{{Key: "$lte", Value: now}}}}
		if err := r.DB.Collection(name).Find(ctx, filter, &docs); err != nil {
			tb.Fatalf("read outbox of %s: %v", name, err)
		}
		for _, d := range docs {
			for _, e := range d.Outbox {
				if !e.DueAt.After(now) {
					out = append(out, e)
				}
			}
		}
	}
	return out
}

func task(tb testing.TB, e aggregate.Event) *asynq.Task {
	t, err := e.Task()
	if err != nil {
		tb.Fatalf("event task: %v", err)
	}
	return t
}
