package httpx

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/openapi"
)

// ReadyCheckTimeout bounds each readiness check, so a hung dependency makes /readyz
// answer 503 instead of hanging the orchestrator's probe.
const ReadyCheckTimeout = 2 * time.Second

// HealthBody is the answer of /healthz and /readyz.
type HealthBody struct {
	Status string            `json:"status" doc:"ok or unavailable"`
	Checks map[string]string `json:"checks,omitempty" doc:"each dependency: ok or failed"`
}

// Health registers GET /healthz (the process is alive: always 200) and GET /readyz
// (every check passes: 200, else 503 naming the failed ones) on r, as public routes.
// checks maps a dependency's name to a probe such as a database ping.
func Health(r *Router, checks map[string]func(context.Context) error) {
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/healthz", Tag: "operations",
		Summary: "Liveness: the process answers", Response: HealthBody{}}, func(c *gin.Context) {
		c.JSON(http.StatusOK, HealthBody{Status: "ok"})
	})
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/readyz", Tag: "operations",
		Summary:     "Readiness: the database and queue answer",
		Description: "503 with the failed checks named when a dependency does not answer within 2s.",
		Response:    HealthBody{}}, ready(checks))
}

func ready(checks map[string]func(context.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		failed := runChecks(c, checks)
		body := HealthBody{Status: "ok", Checks: make(map[string]string, len(checks))}
		for name := range checks {
			body.Checks[name] = "ok"
		}
		for name := range failed {
			body.Checks[name] = "failed"
		}
		status := http.StatusOK
		if len(failed) > 0 {
			body.Status, status = "unavailable", http.StatusServiceUnavailable
		}
		c.JSON(status, body)
	}
}

// runChecks runs the checks in parallel and returns the failed ones with their errors,
// which are logged here and never sent to the client.
func runChecks(c *gin.Context, checks map[string]func(context.Context) error) map[string]error {
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed = map[string]error{}
	)
	for name, check := range checks {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(c.Request.Context(), ReadyCheckTimeout)
			defer cancel()
			if err := runCheck(ctx, check); err != nil {
				mu.Lock()
				failed[name] = err
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for name, err := range failed {
		Logger(c).WarnContext(c.Request.Context(), "readiness check failed", "check", name, "err", err)
	}
	return failed
}

// runCheck returns when check does or the deadline passes, whichever is first, so a
// check that ignores its context still cannot hold the probe.
func runCheck(ctx context.Context, check func(context.Context) error) error {
	done := make(chan error, 1)
	go func() { done <- check(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
