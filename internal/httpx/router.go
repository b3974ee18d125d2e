package httpx

import (
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
	mw    func(op openapi.Operation) []gin.HandlerFunc
}

// NewRouter wraps group. authn returns the middleware a documented operation needs
// (authentication for its audience, role checks); it is called once per route.
func NewRouter(group *gin.RouterGroup, spec *openapi.Spec, authn func(op openapi.Operation) []gin.HandlerFunc) *Router {
	return &Router{group: group, spec: spec, mw: authn}
}

// Handle registers op with handler. op.Path is relative to the router's group.
func (r *Router) Handle(op openapi.Operation, handler gin.HandlerFunc) {
	full := op
	full.Path = joinPath(r.group.BasePath(), op.Path)
	r.spec.Add(full)
	chain := []gin.HandlerFunc{}
	if r.mw != nil {
		chain = append(chain, r.mw(full)...)
	}
	r.group.Handle(op.Method, op.Path, append(chain, handler)...)
}

// Group returns a router for a sub-path sharing the spec and middleware.
func (r *Router) Group(path string) *Router {
	return &Router{group: r.group.Group(path), spec: r.spec, mw: r.mw}
}

// joinPath joins like gin does (path.Join, keeping a trailing slash), so the
// documented path is exactly the registered one even for "rmas" or "/rmas/".
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
