package aggregate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/mongox"
)

// Acker removes an event from its aggregate's outbox once its handler has succeeded.
// Removing it only then (not at enqueue) is what lets the system lose its whole queue
// and still deliver every event: until a handler has run, the event is in MongoDB.
type Acker struct {
	db  *mongox.DB
	log *slog.Logger
}

// NewAcker returns an acker over db.
func NewAcker(db *mongox.DB, log *slog.Logger) *Acker { return &Acker{db: db, log: log} }

// Middleware acknowledges event tasks after next handles them. An event whose handler
// fails for good (SkipRetry, or its last retry) moves to the aggregate's outbox_dead, so
// the sweeper stops re-driving it and an operator can see it.
func (a *Acker) Middleware(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		env, envErr := EnvelopeOf(t)
		err := next.ProcessTask(ctx, t)
		if envErr != nil {
			return err // not an event: nothing to acknowledge
		}
		switch {
		case err == nil:
			return a.settle(ctx, env, false)
		case isFinal(ctx, err):
			a.log.ErrorContext(ctx, "event failed for good; moved to outbox_dead",
				"event_id", env.EventID, "type", env.Type, "aggregate", env.Aggregate, "id", env.AggregateID, "err", err)
			if serr := a.settle(ctx, env, true); serr != nil {
				return serr
			}
		}
		return err
	})
}

func isFinal(ctx context.Context, err error) bool {
	if errors.Is(err, asynq.SkipRetry) {
		return true
	}
	retried, ok1 := asynq.GetRetryCount(ctx)
	max, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && retried >= max
}

// settle removes the event from the outbox (and keeps it in outbox_dead when dead). It
// rewrites the outbox guarded by outbox_seq, because FerretDB cannot $pull by condition.
func (a *Acker) settle(ctx context.Context, env Envelope, dead bool) error {
	coll := a.db.Collection(env.Aggregate)
	for attempt := 0; attempt < 20; attempt++ {
		var d pendingDoc
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: env.AggregateID}}, &d, pendingProjection)
		if errors.Is(err, mongox.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		remaining, removed, found := split(d.Outbox, env.EventID)
		if !found {
			return nil // already settled by an earlier delivery
		}
		ok, err := coll.UpdateByID(ctx, d.ID, bson.D{{Key: "outbox_seq", Value: d.OutboxSeq}}, settleUpdate(remaining, removed, dead))
		if err != nil || ok {
			return err
		}
	}
	return fmt.Errorf("ack %s on %s/%s: outbox kept changing", env.EventID, env.Aggregate, env.AggregateID)
}

func settleUpdate(remaining []Event, removed Event, dead bool) bson.D {
	set := bson.D{{Key: "outbox", Value: remaining}}
	u := bson.D{}
	if len(remaining) > 0 {
		set = append(set, bson.E{Key: "outbox_due", Value: earliest(remaining)})
	} else {
		u = append(u, bson.E{Key: "$unset", Value: bson.D{{Key: "outbox_due", Value: ""}}})
	}
	u = append(u, bson.E{Key: "$set", Value: set}, bson.E{Key: "$inc", Value: bson.D{{Key: "outbox_seq", Value: int64(1)}}})
	if dead {
		u = append(u, bson.E{Key: "$push", Value: bson.D{{Key: "outbox_dead", Value: removed}}})
	}
	return u
}

func split(events []Event, id string) (remaining []Event, removed Event, found bool) {
	remaining = make([]Event, 0, len(events))
	for _, e := range events {
		if e.ID == id {
			removed, found = e, true
			continue
		}
		remaining = append(remaining, e)
	}
	return remaining, removed, found
}
