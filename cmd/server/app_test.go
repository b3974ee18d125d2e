package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/config"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
	"github.com/aftersales/aftersales/internal/openapi"
	"github.com/aftersales/aftersales/internal/queue/queuetest"
)

// testApp wires the whole system over a fresh test database and Redis.
func testApp(t *testing.T) *App {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"BCRYPT_COST": "4", "ADMIN_PASSWORD": "admin-password-1"}[k]
	})
	require.NoError(t, err)
	app, err := newApp(context.Background(), cfg, slog.New(slog.DiscardHandler), clock.NewManual(time.Now()),
		mongotest.DB(t), queuetest.Redis(t))
	require.NoError(t, err)
	t.Cleanup(app.Close)
	require.NoError(t, app.Bootstrap(context.Background(), io.Discard))
	return app
}

func TestEveryRouteIsInTheOpenAPIDocument(t *testing.T) {
	app := testApp(t)
	rec := httptest.NewRecorder()
	app.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))

	routes := app.engine.Routes()
	require.NotEmpty(t, routes)
	for _, r := range routes {
		ops, ok := doc.Paths[openapi.OpenAPIPath(r.Path)]
		if assert.True(t, ok, "route %s %s is missing from /openapi.json", r.Method, r.Path) {
			assert.Contains(t, ops, lower(r.Method), "route %s %s is missing from /openapi.json", r.Method, r.Path)
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestUnknownPathsAndMethodsAnswerInTheErrorShape(t *testing.T) {
	app := testApp(t)
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{http.MethodGet, "/api/v1/nope", http.StatusNotFound, "not_found"},
		{http.MethodDelete, "/healthz", http.StatusMethodNotAllowed, "method_not_allowed"},
		{http.MethodGet, "/api/v1/admin/users", http.StatusUnauthorized, "unauthorized"},
		{http.MethodGet, "/admin/queues/", http.StatusUnauthorized, "unauthorized"},
	} {
		rec := httptest.NewRecorder()
		app.Handler().ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		assert.Equal(t, tc.status, rec.Code, "%s %s", tc.method, tc.path)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		assert.Equal(t, tc.code, body["code"], "%s %s", tc.method, tc.path)
		assert.NotEmpty(t, body["request_id"])
	}
}
