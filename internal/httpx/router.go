package httpx

import (
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/openapi"
)

// Router registers routes on gin and documents each in the OpenAPI spec in the same
// call, so a route cannot exist without its documentation.
type Router struct {
	group *gin.RouterGroup
	spec  *openapi.Spec
	guard func(op openapi.Operation) []gin.HandlerFunc
	idem  *IdempotencyStore
	body  *BodyLimits
}

// NewRouter wraps group. guard returns the middleware a documented operation needs
// (authentication for its audience, role checks); it is called once per route.
func NewRouter(group *gin.RouterGroup, spec *openapi.Spec, guard func(op openapi.Operation) []gin.HandlerFunc) *Router {
	return &Router{group: group, spec: spec, guard: guard}
}

// WithIdempotency makes every authenticated POST accept an Idempotency-Key, replayed
// from store. Public POSTs (login, refresh) are left out: their answers hold tokens,
// which must not be kept.
func (r *Router) WithIdempotency(store *IdempotencyStore) *Router {
	c := *r
	c.idem = store
	return &c
}

// WithBodyLimits lets operations that declare MaxBody raise the body limit of their route.
func (r *Router) WithBodyLimits(b *BodyLimits) *Router {
	c := *r
	c.body = b
	return &c
}

// Handle registers op with handler. op.Path is relative to the router's group.
func (r *Router) Handle(op openapi.Operation, handler gin.HandlerFunc) {
	full := op
	full.Path = joinPath(r.group.BasePath(), op.Path)
	var chain []gin.HandlerFunc
	if r.guard != nil {
		chain = append(chain, r.guard(full)...)
	}
	if r.idem != nil && full.Method == http.MethodPost && len(full.Roles) > 0 {
		full.Idempotent = true
		chain = append(chain, Idempotency(r.idem))
	}
	if op.MaxBody > 0 && r.body != nil {
		r.body.Allow(op.Method, full.Path, op.MaxBody)
	}
	r.spec.Add(full)
	r.group.Handle(op.Method, op.Path, append(chain, handler)...)
}

// Group returns a router for a sub-path sharing the spec, guard and idempotency.
func (r *Router) Group(path string) *Router {
	c := *r
	c.group = r.group.Group(path)
	return &c
}

// joinPath joins like gin does, so the documented path is the one gin serves.
func joinPath(base, rel string) string {
	if rel == "" {
		return base
	}
	joined := path.Join(base, rel)
	if strings.HasSuffix(rel, "/") && !strings.HasSuffix(joined, "/") {
		return joined + "/"
	}
	return joined
}
