package rma_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/webhook"
)

const hookSecret = "a-warehouse-secret-of-enough-length"

// hooks is the near warehouse's system (its webhook is configured in dispatch): it
// verifies each delivery's signature and keeps the events it accepted.
type hooks struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []string
	bad    int
}

func newHooks(t *testing.T, c clock.Clock) *hooks {
	h := &hooks{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if !webhook.Verify(hookSecret, r.Header.Get(webhook.HeaderSignature), r.Header.Get(webhook.HeaderTimestamp), body,
			c.Now(), 5*time.Minute) {
			h.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.events = append(h.events, r.Header.Get(webhook.HeaderEvent))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// received lists the events accepted, in order.
func (h *hooks) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...)
}
