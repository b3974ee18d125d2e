package httpx_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
	"github.com/aftersales/aftersales/internal/openapi"
)

func TestRouterDocumentsEveryRouteItRegisters(t *testing.T) {
	e := newEngine(nil)
	spec := openapi.New("test", "1")
	var seen []openapi.Operation
	authn := func(op openapi.Operation) []gin.HandlerFunc {
		seen = append(seen, op)
		return nil
	}
	api := httpx.NewRouter(e.Group("/api/v1"), spec, authn)
	ok := func(c *gin.Context) { c.Status(http.StatusNoContent) }
	api.Handle(openapi.Operation{Method: "GET", Path: "/rmas"}, ok)
	api.Handle(openapi.Operation{Method: "POST", Path: "/rmas"}, ok)
	rmas := api.Group("/rmas")
	rmas.Handle(openapi.Operation{Method: "GET", Path: "/:id"}, ok)
	rmas.Handle(openapi.Operation{Method: "POST", Path: "/:id/approve"}, ok)
	rmas.Handle(openapi.Operation{Method: "GET", Path: "lines"}, ok)    // no leading slash
	rmas.Handle(openapi.Operation{Method: "GET", Path: "/export/"}, ok) // trailing slash
	root := httpx.NewRouter(e.Group(""), spec, nil)
	root.Handle(openapi.Operation{Method: "GET", Path: "/healthz"}, ok)

	routes := e.Routes()
	require.Len(t, routes, 7)
	for _, r := range routes {
		assert.Truef(t, spec.Has(r.Method, r.Path), "%s %s is served but not documented", r.Method, r.Path)
	}
	require.Len(t, seen, 6, "authn is asked once per route of its router")
	assert.Equal(t, "/api/v1/rmas/:id/approve", seen[3].Path, "authn sees the full path")
	assert.Equal(t, http.StatusNoContent, call(e, "POST", "/api/v1/rmas/R1/approve", "").Code)
}

func TestRouterRunsTheOperationsMiddlewareBeforeTheHandler(t *testing.T) {
	e := newEngine(nil)
	authn := func(op openapi.Operation) []gin.HandlerFunc {
		if len(op.Roles) == 0 {
			return nil
		}
		return []gin.HandlerFunc{func(c *gin.Context) { httpx.Error(c, apperr.Unauthorized()) }}
	}
	r := httpx.NewRouter(e.Group("/"), openapi.New("test", "1"), authn)
	ran := 0
	h := func(c *gin.Context) { ran++; c.Status(http.StatusOK) }
	r.Handle(openapi.Operation{Method: "GET", Path: "/open"}, h)
	r.Handle(openapi.Operation{Method: "GET", Path: "/closed", Roles: []string{"admin"}}, h)

	assert.Equal(t, http.StatusOK, call(e, "GET", "/open", "").Code)
	assert.Equal(t, http.StatusUnauthorized, call(e, "GET", "/closed", "").Code)
	assert.Equal(t, 1, ran)
}

func TestRouterWithIdempotencyCoversExactlyAuthenticatedPosts(t *testing.T) {
	e := newEngine(nil)
	spec := openapi.New("test", "1")
	store := httpx.NewIdempotencyStore(mongotest.DB(t), httpx.IdempotencyOptions{})
	r := httpx.NewRouter(e.Group("/"), spec, nil).WithIdempotency(store).Group("/api")
	runs := map[string]int{}
	h := func(c *gin.Context) { runs[c.FullPath()]++; c.JSON(http.StatusCreated, gin.H{"n": runs[c.FullPath()]}) }
	r.Handle(openapi.Operation{Method: "POST", Path: "/rmas", Roles: []string{"agent"}}, h)
	r.Handle(openapi.Operation{Method: "POST", Path: "/login"}, h)
	r.Handle(openapi.Operation{Method: "PATCH", Path: "/rmas", Roles: []string{"agent"}}, h)

	for _, path := range []string{"/api/rmas", "/api/login"} {
		for range 2 {
			call(e, "POST", path, `{}`, httpx.IdempotencyKeyHeader, "k1")
		}
	}
	call(e, "PATCH", "/api/rmas", `{}`, httpx.IdempotencyKeyHeader, "k1")
	call(e, "PATCH", "/api/rmas", `{}`, httpx.IdempotencyKeyHeader, "k1")
	assert.Equal(t, map[string]int{"/api/rmas": 3, "/api/login": 2}, runs, "only the authenticated POST is replayed")

	doc := spec.Document()["paths"].(map[string]any)
	params := func(p, m string) any { return doc[p].(map[string]any)[m].(map[string]any)["parameters"] }
	assert.NotNil(t, params("/api/rmas", "post"), "the replaying operation documents the header")
	assert.Nil(t, params("/api/login", "post"))
	assert.Nil(t, params("/api/rmas", "patch"))
}
