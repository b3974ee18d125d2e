package httpx_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
	"github.com/aftersales/aftersales/internal/openapi"
	"github.com/aftersales/aftersales/internal/queue/queuetest"
)

func healthEngine(checks map[string]func(context.Context) error) (*gin.Engine, *openapi.Spec) {
	e := newEngine(nil)
	spec := openapi.New("test", "1")
	httpx.Health(httpx.NewRouter(e.Group(""), spec, nil), checks)
	return e, spec
}

func healthBody(t *testing.T, body []byte) httpx.HealthBody {
	t.Helper()
	var b httpx.HealthBody
	require.NoError(t, json.Unmarshal(body, &b))
	return b
}

func TestReadyzPassesWhenMongoAndRedisAnswer(t *testing.T) {
	db, redis := mongotest.DB(t), queuetest.Redis(t)
	e, _ := healthEngine(map[string]func(context.Context) error{"mongo": db.Ping, "redis": redis.Ping})

	w := call(e, "GET", "/readyz", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, httpx.HealthBody{Status: "ok", Checks: map[string]string{"mongo": "ok", "redis": "ok"}}, healthBody(t, w.Body.Bytes()))
}

func TestReadyzNamesFailedChecksWithoutTheirErrors(t *testing.T) {
	redis := queuetest.Redis(t)
	redis.Close() // a dependency that has gone away
	hung := make(chan struct{})
	t.Cleanup(func() { close(hung) })
	e, _ := healthEngine(map[string]func(context.Context) error{
		"mongo": func(context.Context) error { return nil },
		"redis": redis.Ping,
		"bus":   func(context.Context) error { return errors.New("dial tcp 10.9.8.7:4222: refused") },
		"slow":  func(context.Context) error { <-hung; return nil }, // ignores its deadline
	})

	w := call(e, "GET", "/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, httpx.HealthBody{Status: "unavailable",
		Checks: map[string]string{"mongo": "ok", "redis": "failed", "bus": "failed", "slow": "failed"}}, healthBody(t, w.Body.Bytes()))
	assert.NotContains(t, w.Body.String(), "10.9.8.7")
}

func TestHealthzAnswersWhileDependenciesAreDown(t *testing.T) {
	e, _ := healthEngine(map[string]func(context.Context) error{"mongo": func(context.Context) error { return errors.New("down") }})
	w := call(e, "GET", "/healthz", "")
	require.Equal(t, http.StatusOK, w.Code)
	assert.JSONEq(t, `{"status":"ok"}`, w.Body.String())
}

func TestHealthRoutesAreDocumented(t *testing.T) {
	e, spec := healthEngine(nil)
	for _, r := range e.Routes() {
		assert.True(t, spec.Has(r.Method, r.Path), r.Path)
	}
	assert.True(t, spec.Has("GET", "/healthz"))
	assert.True(t, spec.Has("GET", "/readyz"))
	w := call(e, "GET", "/readyz", "")
	assert.Equal(t, http.StatusOK, w.Code, "no checks: ready")
}
