package aggregate

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
)

// TypeSweep is the periodic task that runs the sweeper.
const TypeSweep = "outbox:sweep"

// Sweeper re-drives events that are still in an outbox a grace period after they fell
// due: their fast-path enqueue failed, the queue lost them, or a worker died. Because
// the relay enqueues with TaskID = event id, re-driving one still queued is a no-op.
type Sweeper struct {
	db    *mongox.DB
	relay *Relay
	clock clock.Clock
	grace time.Duration
	colls []string
	log   *slog.Logger
	Batch int // documents per collection per sweep
}

// NewSweeper returns a sweeper over the aggregate collections colls.
func NewSweeper(db *mongox.DB, relay *Relay, c clock.Clock, grace time.Duration, log *slog.Logger, colls ...string) *Sweeper {
	return &Sweeper{db: db, relay: relay, clock: c, grace: grace, colls: colls, log: log, Batch: 500}
}

// Watch adds aggregate collections to sweep.
func (s *Sweeper) Watch(colls ...string) { s.colls = append(s.colls, colls...) }

// ProcessTask runs one sweep; it is the handler of TypeSweep.
func (s *Sweeper) ProcessTask(ctx context.Context, _ *asynq.Task) error {
	n, err := s.Sweep(ctx)
	if n > 0 {
		s.log.InfoContext(ctx, "sweeper re-drove stranded events", "events", n)
	}
	return err
}

// Sweep re-drives every stranded event once and reports how many it enqueued.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	total := 0
	for _, name := range s.colls {
		n, err := s.sweepCollection(ctx, s.db.Collection(name))
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Sweeper) sweepCollection(ctx context.Context, coll *mongox.Collection) (int, error) {
	now := s.clock.Now()
	cutoff := now.Add(-s.grace)
	var docs []pendingDoc
	opts := options.Find().SetLimit(int64(s.Batch)).SetSort(bson.D{{Key: "outbox_due", Value: 1}}).
		SetProjection(bson.D{{Key: "outbox", Value: 1}, {Key: "outbox_seq", Value: 1}})
	if err := coll.Find(ctx, bson.D{{Key: "outbox_due", Value: bson.D{{Key: "$lte", Value: cutoff}}}}, &docs, opts); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range docs {
		for _, e := range d.Outbox {
			if e.DueAt.After(cutoff) {
				continue
			}
			if err := s.relay.Enqueue(ctx, e); err != nil {
				return n, err // the queue is down; the next sweep tries again
			}
			n++
		}
		// Look at this document again only after another grace period, unless an ack
		// changes its outbox first (then outbox_seq has moved and this is skipped).
		if _, err := coll.UpdateByID(ctx, d.ID, bson.D{{Key: "outbox_seq", Value: d.OutboxSeq}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "outbox_due", Value: now}}}}); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Collections lists the collections the sweeper watches.
func (s *Sweeper) Collections() []string { return append([]string(nil), s.colls...) }
