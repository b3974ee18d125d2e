package httpx

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aftersales/aftersales/internal/openapi"
)

// Metrics records HTTP request counts and latencies on a registry the server owns
// (never the global default one, so tests and binaries do not share state).
type Metrics struct {
	reg      *prometheus.Registry
	duration *prometheus.HistogramVec
	requests *prometheus.CounterVec
}

// NewMetrics registers the HTTP metrics on reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	labels := []string{"method", "route", "status"}
	m := &Metrics{
		reg: reg,
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "aftersales_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, route pattern and status class.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, labels),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aftersales_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status class.",
		}, labels),
	}
	reg.MustRegister(m.duration, m.requests)
	return m
}

// Middleware observes every request. Labels use the route pattern (/rmas/:id), never
// the raw path, so ids do not explode the series count.
func (m *Metrics) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		lv := []string{methodLabel(c.Request.Method), route, statusClass(c.Writer.Status())}
		m.requests.WithLabelValues(lv...).Inc()
		m.duration.WithLabelValues(lv...).Observe(time.Since(start).Seconds())
	}
}

// Handler serves the registry in the Prometheus exposition format. A collector that
// fails is skipped rather than failing the whole scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorHandling: promhttp.ContinueOnError})
}

// Routes registers GET /metrics, documented like every other route.
func (m *Metrics) Routes(r *Router) {
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/metrics", Tag: "operations",
		Summary: "Prometheus metrics", Description: "Text exposition format, not JSON."}, gin.WrapH(m.Handler()))
}

// methodLabel keeps clients from minting series with invented methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	default:
		return "OTHER"
	}
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "unknown"
	}
	return strconv.Itoa(status/100) + "xx"
}
