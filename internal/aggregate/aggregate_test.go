package aggregate_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
	"github.com/aftersales/aftersales/internal/queue"
)

// ticket is a minimal aggregate for exercising the plumbing.
type ticket struct {
	ID             string `bson:"_id"`
	Status         string `bson:"status"`
	aggregate.Base `bson:",inline"`
}

const typeOpened = "test:ticket_opened"

type recorder struct{ events []aggregate.Event }

func (r *recorder) Publish(_ context.Context, events []aggregate.Event) {
	r.events = append(r.events, events...)
}

func newTicket(t *testing.T, s *aggregate.Store, events ...aggregate.Event) string {
	t.Helper()
	id := ids.New("TKT")
	err := s.Create(context.Background(), id, ticket{ID: id, Status: "open"},
		aggregate.Entry{Actor: "u1", Role: "agent", Action: "create", To: "open"}, events...)
	require.NoError(t, err)
	return id
}

func TestCreateWritesVersionHistoryAndOutbox(t *testing.T) {
	db := mongotest.DB(t)
	pub := &recorder{}
	now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	s := aggregate.NewStore(db, "tickets", "ticket", pub, clock.NewManual(now))
	id := newTicket(t, s, aggregate.NewEvent(typeOpened, queue.Default, map[string]string{"id": "x"}))

	var got ticket
	require.NoError(t, s.Load(context.Background(), id, &got))
	assert.Equal(t, int64(1), got.Version)
	assert.Len(t, got.History, 1)
	require.Len(t, got.Outbox, 1)
	assert.Equal(t, "tickets", got.Outbox[0].Aggregate)
	assert.Equal(t, id, got.Outbox[0].AggregateID)
	require.NotNil(t, got.OutboxDue)
	assert.True(t, got.OutboxDue.Equal(now))
	assert.Len(t, pub.events, 1, "events are handed to the relay right after the write")
}

func TestApplyMovesStateAndRejectsStaleVersion(t *testing.T) {
	db := mongotest.DB(t)
	s := aggregate.NewStore(db, "tickets", "ticket", &recorder{}, clock.Real{})
	id := newTicket(t, s)
	ctx := context.Background()

	change := aggregate.Change{ID: id, Version: 1, Where: bson.D{{Key: "status", Value: "open"}},
		Set: bson.D{{Key: "status", Value: "closed"}}, Entry: aggregate.Entry{Action: "close", From: "open", To: "closed"}}
	require.NoError(t, s.Apply(ctx, change))

	err := s.Apply(ctx, change)
	assert.ErrorIs(t, err, apperr.ErrVersionConflict)

	change.ID = "TKT-missing"
	assert.ErrorIs(t, s.Apply(ctx, change), apperr.ErrNotFound)
}

func TestConcurrentConflictingUpdatesExactlyOneWins(t *testing.T) {
	db := mongotest.DB(t)
	s := aggregate.NewStore(db, "tickets", "ticket", &recorder{}, clock.Real{})
	ctx := context.Background()
	for round := 0; round < 5; round++ {
		id := newTicket(t, s)
		var wins, conflicts atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Apply(ctx, aggregate.Change{ID: id, Version: 1, Set: bson.D{{Key: "status", Value: "closed"}},
					Entry:  aggregate.Entry{Action: "close"},
					Events: []aggregate.Event{aggregate.NewEvent(typeOpened, queue.Default, i)}})
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, apperr.ErrVersionConflict):
					conflicts.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load(), "round %d", round)
		assert.Equal(t, int32(7), conflicts.Load(), "round %d", round)

		var got ticket
		require.NoError(t, s.Load(ctx, id, &got))
		assert.Equal(t, int64(2), got.Version)
		assert.Len(t, got.History, 2, "create + the one winning change")
		assert.Len(t, got.Outbox, 1, "only the winner's event is queued")
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
