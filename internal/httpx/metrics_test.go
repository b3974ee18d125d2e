package httpx_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/queue/queuetest"
)

// sample returns the value of the series name{labels} gathered from reg, and whether
// it exists. Counters and gauges give their value, histograms their sample count.
func sample(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				switch {
				case m.Counter != nil:
					return m.Counter.GetValue(), true
				case m.Gauge != nil:
					return m.Gauge.GetValue(), true
				case m.Histogram != nil:
					return float64(m.Histogram.GetSampleCount()), true
				}
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestMetricsCountRequestsByRoutePatternAndStatusClass(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpx.NewMetrics(reg)
	e := newEngine(nil)
	e.Use(m.Middleware())
	e.GET("/rmas/:id", func(c *gin.Context) { c.Status(http.StatusOK) })
	e.POST("/rmas", func(c *gin.Context) { httpx.Error(c, errors.New("down")) })

	call(e, "GET", "/rmas/RMA-1", "")
	call(e, "GET", "/rmas/RMA-2", "")
	call(e, "POST", "/rmas", "")
	call(e, "GET", "/nope/1", "")
	call(e, "PROPFIND", "/rmas/RMA-1", "")

	cases := []struct {
		method, route, status string
		want                  float64
	}{
		{"GET", "/rmas/:id", "2xx", 2},
		{"POST", "/rmas", "5xx", 1},
		{"GET", "unmatched", "4xx", 1},
		{"OTHER", "unmatched", "4xx", 1},
	}
	for _, tc := range cases {
		labels := map[string]string{"method": tc.method, "route": tc.route, "status": tc.status}
		n, ok := sample(t, reg, "aftersales_http_requests_total", labels)
		assert.True(t, ok, labels)
		assert.Equal(t, tc.want, n, labels)
		n, ok = sample(t, reg, "aftersales_http_request_duration_seconds", labels)
		assert.True(t, ok, labels)
		assert.Equal(t, tc.want, n, labels)
	}
	_, raw := sample(t, reg, "aftersales_http_requests_total", map[string]string{"method": "GET", "route": "/rmas/RMA-1", "status": "2xx"})
	assert.False(t, raw, "raw paths never become labels")
}

func TestMetricsHandlerServesTheRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpx.NewMetrics(reg)
	e := gin.New()
	e.Use(m.Middleware())
	m.Routes(httpx.NewRouter(e.Group(""), openapi.New("t", "1"), nil))
	call(e, "GET", "/metrics", "")

	w := call(e, "GET", "/metrics", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Header().Get("Content-Type"), "text/plain")
	assert.Contains(t, w.Body.String(), `aftersales_http_requests_total{method="GET",route="/metrics",status="2xx"} 1`)
}

func TestQueueCollectorReportsTaskCountsPerQueueAndState(t *testing.T) {
	r := queuetest.Redis(t)
	client := asynq.NewClient(r.Conn)
	t.Cleanup(func() { _ = client.Close() })
	for _, opts := range [][]asynq.Option{
		{asynq.Queue(queue.Default)},
		{asynq.Queue(queue.Default)},
		{asynq.Queue(queue.Dispatch), asynq.ProcessIn(time.Hour)},
	} {
		_, err := client.EnqueueContext(context.Background(), asynq.NewTask("test:noop", nil), opts...)
		require.NoError(t, err)
	}
	inspector := asynq.NewInspector(r.Conn)
	t.Cleanup(func() { _ = inspector.Close() })
	reg := prometheus.NewRegistry()
	reg.MustRegister(httpx.NewQueueCollector(inspector))

	cases := []struct {
		queue, state string
		want         float64
	}{
		{queue.Default, "pending", 2},
		{queue.Default, "scheduled", 0},
		{queue.Default, "active", 0},
		{queue.Default, "retry", 0},
		{queue.Default, "archived", 0},
		{queue.Dispatch, "scheduled", 1},
		{queue.Dispatch, "pending", 0},
	}
	for _, tc := range cases {
		n, ok := sample(t, reg, "aftersales_queue_tasks", map[string]string{"queue": tc.queue, "state": tc.state})
		assert.True(t, ok, tc)
		assert.Equal(t, tc.want, n, tc)
	}
	up, _ := sample(t, reg, "aftersales_queue_stats_up", map[string]string{})
	assert.Equal(t, 1.0, up)
}

func TestQueueCollectorReportsDownWithoutFailingTheScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpx.NewMetrics(reg)
	// Nothing listens on port 1: the inspector's reads fail as with Redis down.
	inspector := asynq.NewInspector(asynq.RedisClientOpt{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = inspector.Close() })
	reg.MustRegister(httpx.NewQueueCollector(inspector))

	up, ok := sample(t, reg, "aftersales_queue_stats_up", map[string]string{})
	assert.True(t, ok)
	assert.Equal(t, 0.0, up)
	w := call(m.Handler(), "GET", "/metrics", "")
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Contains(t, w.Body.String(), "aftersales_queue_stats_up 0")
	assert.False(t, strings.Contains(w.Body.String(), "aftersales_queue_tasks{"), "no sizes are guessed")
}
