// Package queue wires Asynq: the Redis connection (a real server, or miniredis started
// in-process when none is configured), the named queues and their priorities, the
// server that runs handlers, and the queue monitor mounted for admins.
package queue

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Queue names (DESIGN §5).
const (
	Critical  = "critical"  // SLA breach, escalation
	Dispatch  = "dispatch"  // assignment
	Warehouse = "warehouse" // expect-return, ship-replacement, warehouse webhooks
	Outlet    = "outlet"    // offers, outlet webhooks
	Notify    = "notify"    // customer messages
	Default   = "default"
)

// Priorities weights the queues: a worker picks from critical six times as often as
// from default, but never starves the low ones.
var Priorities = map[string]int{
	Critical:  6,
	Dispatch:  4,
	Warehouse: 3,
	Outlet:    3,
	Notify:    2,
	Default:   1,
}

// Names lists every queue.
func Names() []string {
	return []string{Critical, Dispatch, Warehouse, Outlet, Notify, Default}
}

// DefaultPollInterval is how often an idle worker looks for new tasks. Asynq's own
// default is 1 s, and a complaint crosses three queue hops before its order is offered,
// so an idle system added up to 3 s to every flow (measured with the load driver). At
// 100 ms an idle worker makes ~60 cheap Redis calls a second (one per queue per poll).
const DefaultPollInterval = 100 * time.Millisecond

// Options says which Redis to use.
type Options struct {
	Addr         string // empty starts miniredis
	Password     string
	DB           int
	PollInterval time.Duration // an idle worker's check for new tasks; 0 is DefaultPollInterval
}

// Redis is a connection to the queue's Redis.
type Redis struct {
	Conn     asynq.RedisClientOpt
	Embedded *miniredis.Miniredis // nil for a real server
	client   *redis.Client
	poll     time.Duration
}

// Open connects to opts.Addr, or starts miniredis on a loopback port.
func Open(ctx context.Context, opts Options) (*Redis, error) {
	r := &Redis{poll: opts.PollInterval}
	if r.poll <= 0 {
		r.poll = DefaultPollInterval
	}
	if opts.Addr == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("embedded redis: %w", err)
		}
		r.Embedded, opts.Addr = m, m.Addr()
	}
	r.Conn = asynq.RedisClientOpt{Addr: opts.Addr, Password: opts.Password, DB: opts.DB}
	r.client = redis.NewClient(&redis.Options{Addr: opts.Addr, Password: opts.Password, DB: opts.DB})
	if err := r.Ping(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("redis ping %s: %w", opts.Addr, err)
	}
	return r, nil
}

// Ping checks Redis answers.
func (r *Redis) Ping(ctx context.Context) error { return r.client.Ping(ctx).Err() }

// Client is a plain Redis client on the same server, for counters such as rate limits.
func (r *Redis) Client() *redis.Client { return r.client }

// Close closes the client and stops an embedded server.
func (r *Redis) Close() {
	_ = r.client.Close()
	if r.Embedded != nil {
		r.Embedded.Close()
	}
}

// NewServer returns an Asynq server over every queue with their priorities.
func (r *Redis) NewServer(concurrency int, log *slog.Logger) *asynq.Server {
	return asynq.NewServer(r.Conn, asynq.Config{
		Concurrency:       concurrency,
		Queues:            Priorities,
		TaskCheckInterval: r.poll,
		ShutdownTimeout:   10 * time.Second,
		Logger:            slogAdapter{log.With("component", "asynq")},
		LogLevel:          asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			id, _ := asynq.GetTaskID(ctx)
			retried, _ := asynq.GetRetryCount(ctx)
			log.WarnContext(ctx, "task failed", "type", t.Type(), "task_id", id, "retried", retried, "err", err)
		}),
	})
}
