package rma_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/rma"
)

func TestApprovedRMAWhoseRoutingTaskWasLostIsRoutedOnceByTheSweeper(t *testing.T) {
	// The claims check falls due at once, so it is not left for a later sweep.
	e := newEnvWith(t, options{queue: true, policy: rma.Policy{ClaimsCheckAfter: time.Millisecond}})
	ctx := context.Background()
	v := e.open(e.body("exchange", "quality", line(e.order, 1, 1, "SN-AC-1")))
	e.act(e.agent, "rmas/"+v.ID+"/approve", nil) // rma:route is queued in Redis...
	require.NoError(t, e.Redis.Client().FlushDB(ctx).Err(), "...and lost: the worker died, Redis with it")

	const grace = time.Minute
	sweeper := aggregate.NewSweeper(e.DB, e.relay, e.Clock, grace, e.Log, rma.Collections()...)
	n, err := sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is re-driven within the grace period")
	assert.Equal(t, "approved", e.get(v.ID).Status)

	e.Clock.Advance(grace + time.Second)
	n, err = sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Positive(t, n)
	queued, err := e.Redis.Client().LLen(ctx, "asynq:{"+queue.Warehouse+"}:pending").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), queued, "the routing task is queued again")

	stop := e.startWorker()
	require.Eventually(t, func() bool {
		got := e.get(v.ID)
		return got.Status == "awaiting_return" && len(e.hooks.received()) == 1 && e.pending(v.ID) == 0
	}, 30*time.Second, 20*time.Millisecond, "routed, the warehouse told, the outbox drained")

	stop()

	e.Clock.Advance(2 * grace)
	n, err = sweeper.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is left to re-drive")
	e.RunDue()
	got := e.get(v.ID)
	assert.Equal(t, e.near, got.WarehouseID)
	assert.Equal(t, 1, count("routed", actions(got)), "routed exactly once")
	assert.Equal(t, []string{"rma.routed"}, e.hooks.received(), "one webhook")
}

func TestRedeliveredRoutingTaskChangesNothing(t *testing.T) {
	e := newEnv(t)
	v := e.open(e.body("exchange", "quality", line(e.order, 1, 1, "SN-AC-1")))
	e.act(e.agent, "rmas/"+v.ID+"/approve", nil)
	route := e.outbox(v.ID, rma.TypeRoute)
	e.RunDue()
	routed := e.get(v.ID)
	require.Equal(t, "awaiting_return", routed.Status)

	task, err := route.Task()
	require.NoError(t, err)
	require.NoError(t, e.Mux.ProcessTask(context.Background(), task), "the same task delivered again")
	e.RunDue()
	got := e.get(v.ID)
	assert.Equal(t, routed.Version, got.Version)
	assert.Equal(t, 1, count("routed", actions(got)))
	assert.Equal(t, []string{"rma.routed"}, e.hooks.received())
}

func TestRoutingWaitsForAWarehouseThatHandlesTheCategory(t *testing.T) {
	e := newEnv(t)
	admin := e.staff(authAdmin()).tok()
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/products", admin, map[string]any{
		"sku": "TV-1", "name": "Television", "brand": "Acme", "category": "television", "warranty_months": 12}))
	tvOrder := e.sell(e.customer, "T-TV", "2026-02-27T02:00:00Z", saleLine(1, "TV-1", 1, "SN-TV-1"))
	v := e.open(e.body("return_refund", "quality", line(tvOrder, 1, 1)))
	e.act(e.agent, "rmas/"+v.ID+"/approve", nil)
	e.RunDue()
	got := e.get(v.ID)
	assert.Equal(t, "approved", got.Status)
	assert.Contains(t, got.RouteNote, "television")
	assert.Equal(t, []string{"created", "lines_reserved", "approved", "routing_deferred"}, actions(got))

	tv := e.warehouse(admin, map[string]any{"name": "Suzhou TV returns", "lat": 31.30, "lon": 120.60,
		"categories": []string{"television"}})
	e.Clock.Advance(15 * time.Minute)
	e.RunDue()
	got = e.get(v.ID)
	assert.Equal(t, "awaiting_return", got.Status)
	assert.Equal(t, tv, got.WarehouseID)
	assert.Empty(t, got.RouteNote)
}

// outbox returns the pending event of type typ of RMA id.
func (e *env) outbox(id, typ string) aggregate.Event {
	e.t.Helper()
	var d struct {
		Outbox []aggregate.Event `bson:"outbox"`
	}
	require.NoError(e.t, e.DB.Collection(rma.RMAsCollection).FindByID(context.Background(), id, &d))
	for _, ev := range d.Outbox {
		if ev.Type == typ {
			return ev
		}
	}
	e.t.Fatalf("no %s event in the outbox of %s", typ, id)
	return aggregate.Event{}
}

// pending counts the events still in RMA id's outbox that are due.
func (e *env) pending(id string) int {
	var d struct {
		Outbox []aggregate.Event `bson:"outbox"`
	}
	if err := e.DB.Collection(rma.RMAsCollection).FindByID(context.Background(), id, &d); err != nil {
		return -1
	}
	n := 0
	for _, ev := range d.Outbox {
		if !ev.DueAt.After(e.Clock.Now()) {
			n++
		}
	}
	return n
}

// startWorker runs a real Asynq worker over the env's handlers, acknowledging events as
// the server's does; the returned func stops it.
func (e *env) startWorker() func() {
	srv := e.Redis.NewServer(2, e.Log)
	require.NoError(e.t, srv.Start(aggregate.NewAcker(e.DB, e.Log).Middleware(e.Mux)))
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			srv.Shutdown()
		}
	}
	e.t.Cleanup(stop)
	return stop
}
