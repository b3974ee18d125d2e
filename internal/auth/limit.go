package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/aftersales/aftersales/internal/clock"
)

// Limiter counts an attempt against key and says whether it is within the limit.
type Limiter interface {
	Allow(ctx context.Context, key string) (bool, error)
}

// Counter is the part of a Redis client the limiter uses; *redis.Client has it.
type Counter interface {
	Incr(ctx context.Context, key string) *redis.IntCmd
	Expire(ctx context.Context, key string, expiration time.Duration) *redis.BoolCmd
}

// RedisLimiter allows at most limit attempts per key in each fixed window, counted in
// Redis so every server of a deployment shares the count.
type RedisLimiter struct {
	r      Counter
	limit  int
	window time.Duration
	clock  clock.Clock
}

// NewRedisLimiter returns a limiter of limit attempts per window. A limit below 1
// disables limiting (load tests log in far more often than a person).
func NewRedisLimiter(r Counter, limit int, window time.Duration, c clock.Clock) *RedisLimiter {
	return &RedisLimiter{r: r, limit: limit, window: window, clock: c}
}

// Allow counts one attempt against key in the current window.
func (l *RedisLimiter) Allow(ctx context.Context, key string) (bool, error) {
	if l.limit < 1 {
		return true, nil
	}
	bucket := l.clock.Now().UnixNano() / int64(l.window)
	k := fmt.Sprintf("ratelimit:%s:%d", key, bucket)
	n, err := l.r.Incr(ctx, k).Result()
	if err != nil {
		return false, fmt.Errorf("rate limit count: %w", err)
	}
	if n == 1 {
		// Kept a little past its window so a slow clock on another server still finds it.
		if err := l.r.Expire(ctx, k, 2*l.window).Err(); err != nil {
			return false, fmt.Errorf("rate limit expiry: %w", err)
		}
	}
	return n <= int64(l.limit), nil
}
