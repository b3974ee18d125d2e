package webhook_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/webhook"
)

type endpoints map[webhook.Target]webhook.Endpoint

func (m endpoints) Endpoint(_ context.Context, t webhook.Target) (webhook.Endpoint, bool, error) {
	e, ok := m[t]
	return e, ok, nil
}

type receiver struct {
	mu      sync.Mutex
	status  int
	headers []http.Header
	bodies  [][]byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.headers = append(r.headers, req.Header.Clone())
	r.bodies = append(r.bodies, b)
	w.WriteHeader(r.status)
}

func task(t *testing.T, target webhook.Target, body any) aggregate.Event {
	e := webhook.NewEvent(target, "rma.routed", queue.Warehouse, body)
	e.Aggregate, e.AggregateID = "rmas", "RMA-1"
	return e
}

func TestDeliveryIsSignedAndVerifiable(t *testing.T) {
	rec := &receiver{status: http.StatusNoContent}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	wh := webhook.Target{Kind: "warehouse", ID: "WH-1"}
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	s := webhook.NewSender(endpoints{wh: {URL: srv.URL, Secret: "s3cret"}}, srv.Client(), clock.NewManual(now))

	e := task(t, wh, map[string]string{"rma_id": "RMA-1"})
	tk, err := e.Task()
	require.NoError(t, err)
	require.NoError(t, s.ProcessTask(context.Background(), tk))

	require.Len(t, rec.bodies, 1)
	h := rec.headers[0]
	assert.Equal(t, "rma.routed", h.Get(webhook.HeaderEvent))
	assert.Equal(t, e.ID, h.Get(webhook.HeaderDelivery))
	assert.JSONEq(t, `{"rma_id":"RMA-1"}`, string(rec.bodies[0]))
	assert.True(t, webhook.Verify("s3cret", h.Get(webhook.HeaderSignature), h.Get(webhook.HeaderTimestamp), rec.bodies[0], now, 5*time.Minute))
	assert.False(t, webhook.Verify("wrong", h.Get(webhook.HeaderSignature), h.Get(webhook.HeaderTimestamp), rec.bodies[0], now, 5*time.Minute))
	assert.False(t, webhook.Verify("s3cret", h.Get(webhook.HeaderSignature), h.Get(webhook.HeaderTimestamp), []byte(`{"rma_id":"RMA-2"}`), now, 5*time.Minute), "a changed body fails")
	assert.False(t, webhook.Verify("s3cret", h.Get(webhook.HeaderSignature), h.Get(webhook.HeaderTimestamp), rec.bodies[0], now.Add(time.Hour), 5*time.Minute), "an old delivery fails")
}

func TestFailedDeliveryReturnsAnErrorSoAsynqRetries(t *testing.T) {
	rec := &receiver{status: http.StatusBadGateway}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	wh := webhook.Target{Kind: "outlet", ID: "OUT-1"}
	s := webhook.NewSender(endpoints{wh: {URL: srv.URL, Secret: "x"}}, srv.Client(), clock.Real{})
	tk, err := task(t, wh, 1).Task()
	require.NoError(t, err)
	assert.ErrorContains(t, s.ProcessTask(context.Background(), tk), "502")
}

func TestTargetWithoutEndpointNeedsNoDelivery(t *testing.T) {
	s := webhook.NewSender(endpoints{}, nil, clock.Real{})
	tk, err := task(t, webhook.Target{Kind: "warehouse", ID: "WH-9"}, 1).Task()
	require.NoError(t, err)
	assert.NoError(t, s.ProcessTask(context.Background(), tk))
}

func TestValidateURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://wms.example.com/hooks": true, "http://127.0.0.1:9000/x": true, "": true,
		"ftp://x": false, "/relative": false, "https://user:pw@x.com": false, "not a url": false,
	} {
		f := apperr.Fields{}
		webhook.ValidateURL(f, "webhook_url", raw)
		assert.Equal(t, ok, f.Err() == nil, raw)
	}
}
