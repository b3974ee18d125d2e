package aggregate_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/queue/queuetest"
)

// deliveries counts how often each event reached its handler.
type deliveries struct {
	mu   sync.Mutex
	seen map[string]int
	fail error
}

func (d *deliveries) ProcessTask(_ context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen[env.EventID]++
	return d.fail
}

func (d *deliveries) count(id string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[id]
}

type harness struct {
	db      *mongox.DB
	redis   *queue.Redis
	clock   *clock.Manual
	relay   *aggregate.Relay
	store   *aggregate.Store
	sweeper *aggregate.Sweeper
	got     *deliveries
}

const grace = time.Minute

func newHarness(t *testing.T) *harness {
	db := mongotest.DB(t)
	r := queuetest.Redis(t)
	client := asynq.NewClient(r.Conn)
	t.Cleanup(func() { _ = client.Close() })
	clk := clock.NewManual(time.Now())
	relay := aggregate.NewRelay(client, clk, discard())
	return &harness{
		db: db, redis: r, clock: clk, relay: relay,
		store:   aggregate.NewStore(db, "tickets", "ticket", relay, clk),
		sweeper: aggregate.NewSweeper(db, relay, clk, grace, discard(), "tickets"),
		got:     &deliveries{seen: map[string]int{}},
	}
}

// startWorker runs a worker whose handlers are acknowledged by the outbox middleware;
// the returned func stops it (a worker dying).
func (h *harness) startWorker(t *testing.T) func() {
	mux := asynq.NewServeMux()
	mux.Use(aggregate.NewAcker(h.db, discard()).Middleware)
	mux.Handle(typeOpened, h.got)
	srv := h.redis.NewServer(4, discard())
	require.NoError(t, srv.Start(mux))
	var once sync.Once
	stop := func() { once.Do(srv.Shutdown) }
	t.Cleanup(stop)
	return stop
}

func (h *harness) createTickets(t *testing.T, n int) []string {
	var events []string
	for i := 0; i < n; i++ {
		e1 := aggregate.NewEvent(typeOpened, queue.Default, i)
		e2 := aggregate.NewEvent(typeOpened, queue.Critical, i)
		newTicket(t, h.store, e1, e2)
		events = append(events, e1.ID, e2.ID)
	}
	return events
}

func (h *harness) pendingDocs(t *testing.T) int64 {
	n, err := h.db.Collection("tickets").Count(context.Background(), bson.D{{Key: "outbox_due", Value: bson.D{{Key: "$exists", Value: true}}}})
	require.NoError(t, err)
	return n
}

func (h *harness) waitDelivered(t *testing.T, events []string) {
	require.Eventually(t, func() bool {
		for _, id := range events {
			if h.got.count(id) == 0 {
				return false
			}
		}
		return h.pendingDocs(t) == 0
	}, 30*time.Second, 20*time.Millisecond, "every event handled and acknowledged")
}

func TestEveryPendingEventIsDeliveredAfterRedisIsFlushedMidFlow(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()

	stop := h.startWorker(t)
	before := h.createTickets(t, 5)
	h.waitDelivered(t, before)
	stop() // the worker dies...

	pending := h.createTickets(t, 10) // ...while the flow goes on: these are enqueued, not handled
	require.NoError(t, h.redis.Client().FlushDB(ctx).Err(), "Redis loses everything")
	assert.Equal(t, int64(10), h.pendingDocs(t), "the truth is still in MongoDB")

	h.startWorker(t)
	n, err := h.sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is re-driven before the grace period")

	h.clock.Advance(grace + time.Second)
	n, err = h.sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, len(pending), n)
	h.waitDelivered(t, pending)

	for _, id := range append(before, pending...) {
		assert.Equal(t, 1, h.got.count(id), "event %s delivered once", id)
	}
	n, err = h.sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "a drained outbox is not swept again")
}

func TestSweeperRedriveOfAQueuedEventIsANoOp(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	events := h.createTickets(t, 3) // enqueued by the fast path; no worker yet

	h.clock.Advance(grace + time.Second)
	n, err := h.sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, len(events), n)

	info, err := asynq.NewInspector(h.redis.Conn).GetQueueInfo(queue.Default)
	require.NoError(t, err)
	assert.Equal(t, 3, info.Pending, "TaskID = event id: the re-drive did not queue duplicates")

	h.startWorker(t)
	h.waitDelivered(t, events)
	for _, id := range events {
		assert.Equal(t, 1, h.got.count(id))
	}
}

func TestScheduledEventIsNotSweptBeforeItFallsDue(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	later := aggregate.NewEvent(typeOpened, queue.Critical, "warn").At(h.clock.Now().Add(time.Hour))
	newTicket(t, h.store, later)
	require.NoError(t, h.redis.Client().FlushDB(ctx).Err())

	h.clock.Advance(grace + time.Second)
	n, err := h.sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)

	h.clock.Advance(time.Hour)
	n, err = h.sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "a lost timer is restored once it is due")
}

func TestEventWhoseHandlerFailsForGoodMovesToDeadLetters(t *testing.T) {
	h := newHarness(t)
	h.got.fail = fmt.Errorf("bad payload: %w", asynq.SkipRetry)
	h.startWorker(t)
	e := aggregate.NewEvent(typeOpened, queue.Default, "x")
	id := newTicket(t, h.store, e)

	require.Eventually(t, func() bool { return h.pendingDocs(t) == 0 }, 30*time.Second, 20*time.Millisecond)
	var got ticket
	require.NoError(t, h.store.Load(context.Background(), id, &got))
	assert.Empty(t, got.Outbox)
	require.Len(t, got.Dead, 1)
	assert.Equal(t, e.ID, got.Dead[0].ID)
}
