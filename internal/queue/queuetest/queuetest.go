// Package queuetest gives each test its own Redis for Asynq: the real server in
// REDIS_ADDR (a database number leased for the test, since Asynq's keys have no prefix
// and test binaries run in parallel), or miniredis when REDIS_ADDR is unset.
package queuetest

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/aftersales/aftersales/internal/queue"
)

// Redis opens a Redis for the test and flushes it when the test ends.
func Redis(tb testing.TB) *queue.Redis {
	tb.Helper()
	ctx := context.Background()
	opts := queue.Options{Addr: os.Getenv("REDIS_ADDR"), Password: os.Getenv("REDIS_PASSWORD")}
	if opts.Addr != "" {
		opts.DB = leaseDB(tb, opts)
	}
	r, err := queue.Open(ctx, opts)
	if err != nil {
		tb.Fatalf("open test redis: %v", err)
	}
	if opts.Addr != "" {
		if err := r.Client().FlushDB(ctx).Err(); err != nil {
			tb.Fatalf("flush test redis: %v", err)
		}
	}
	tb.Cleanup(func() {
		if opts.Addr != "" {
			_ = r.Client().FlushDB(context.Background()).Err()
		}
		r.Close()
	})
	return r
}

// leaseDB takes a free database number 1-15, held in database 0 until the test ends.
func leaseDB(tb testing.TB, opts queue.Options) int {
	c := redis.NewClient(&redis.Options{Addr: opts.Addr, Password: opts.Password})
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		for n := 1; n <= 15; n++ {
			key := fmt.Sprintf("aftersales:test-db-lease:%d", n)
			ok, err := c.SetNX(context.Background(), key, os.Getpid(), 10*time.Minute).Result()
			if err != nil {
				tb.Fatalf("lease test redis db: %v", err)
			}
			if ok {
				tb.Cleanup(func() { _ = c.Del(context.Background(), key).Err(); _ = c.Close() })
				return n
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("no free test redis database")
	return 0
}

// Worker runs an Asynq server with mux on r until the test ends.
func Worker(tb testing.TB, r *queue.Redis, mux *asynq.ServeMux) {
	tb.Helper()
	srv := r.NewServer(4, slog.New(slog.DiscardHandler))
	if err := srv.Start(mux); err != nil {
		tb.Fatalf("start worker: %v", err)
	}
	tb.Cleanup(srv.Shutdown)
}
