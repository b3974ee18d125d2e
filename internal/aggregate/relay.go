package aggregate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/internal/clock"
)

// Envelope is an event as a task payload.
type Envelope struct {
	EventID     string          `json:"event_id"`
	Type        string          `json:"type"`
	Aggregate   string          `json:"aggregate"`
	AggregateID string          `json:"aggregate_id"`
	CreatedAt   time.Time       `json:"created_at"`
	Data        json.RawMessage `json:"data"`
}

// Decode unmarshals the event's data into v; a payload that does not decode can never
// succeed, so the error wraps asynq.SkipRetry.
func (e Envelope) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("event %s data: %v: %w", e.EventID, err, asynq.SkipRetry)
	}
	return nil
}

// Task is the Asynq task that delivers e.
func (e Event) Task() (*asynq.Task, error) {
	payload, err := json.Marshal(Envelope{EventID: e.ID, Type: e.Type, Aggregate: e.Aggregate,
		AggregateID: e.AggregateID, CreatedAt: e.CreatedAt, Data: e.Data})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(e.Type, payload), nil
}

// EnvelopeOf reads the envelope of an event task.
func EnvelopeOf(t *asynq.Task) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(t.Payload(), &e); err != nil || e.EventID == "" {
		return e, fmt.Errorf("task %s is not an event: %w", t.Type(), asynq.SkipRetry)
	}
	return e, nil
}

// Enqueuer is the part of asynq.Client the relay uses.
type Enqueuer interface {
	EnqueueContext(ctx context.Context, task *asynq.Task, opts ...asynq.Option) (*asynq.TaskInfo, error)
}

// Relay enqueues events as Asynq tasks whose TaskID is the event id, so enqueueing the
// same event twice (fast path and sweeper) queues it once.
type Relay struct {
	q     Enqueuer
	clock clock.Clock
	log   *slog.Logger
}

// NewRelay returns a relay over q.
func NewRelay(q Enqueuer, c clock.Clock, log *slog.Logger) *Relay {
	return &Relay{q: q, clock: c, log: log}
}

// Publish enqueues events right after their write. A failure is only logged: the event
// stays in the outbox and the sweeper re-drives it, so the request that wrote it stands.
func (r *Relay) Publish(ctx context.Context, events []Event) {
	for _, e := range events {
		if err := r.Enqueue(ctx, e); err != nil {
			r.log.WarnContext(ctx, "outbox enqueue failed; the sweeper will re-drive it",
				"event_id", e.ID, "type", e.Type, "err", err)
		}
	}
}

// Retention keeps a finished task's id in Redis for a while, so a late duplicate enqueue
// of an already handled event is refused instead of running again.
const Retention = 24 * time.Hour

// Enqueue queues one event; an event already queued counts as success.
func (r *Relay) Enqueue(ctx context.Context, e Event) error {
	task, err := e.Task()
	if err != nil {
		return err
	}
	opts := []asynq.Option{asynq.TaskID(e.ID), asynq.Queue(e.Queue), asynq.MaxRetry(e.MaxRetry), asynq.Retention(Retention)}
	if e.DueAt.After(r.clock.Now()) {
		opts = append(opts, asynq.ProcessAt(e.DueAt))
	}
	_, err = r.q.EnqueueContext(ctx, task, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}
