package main

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynqmon"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
	"github.com/aftersales/aftersales/mobileapi"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
	"github.com/aftersales/aftersales/registry"
	"github.com/aftersales/aftersales/rma"
)

// buildRouter assembles every route in one place: plumbing, then each domain's Routes.
func (a *App) buildRouter() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	// Client IPs feed the per-IP login limit: trust X-Forwarded-For only from the
	// proxies named in TRUSTED_PROXIES, never from anyone.
	if err := e.SetTrustedProxies(a.cfg.TrustedProxies); err != nil {
		a.log.Error("TRUSTED_PROXIES", "err", err)
	}
	metrics := httpx.NewMetrics(a.reg)
	a.registerMetrics()
	limits := httpx.NewBodyLimits(a.cfg.MaxBodyBytes)
	e.Use(httpx.RequestIDMiddleware(a.log), httpx.Recover(), metrics.Middleware(), httpx.AccessLog(), limits.Middleware())
	e.NoRoute(httpx.NoRoute)
	e.NoMethod(httpx.NoMethod)

	root := httpx.NewRouter(&e.RouterGroup, a.spec, a.auth.Guard).WithIdempotency(a.idem).WithBodyLimits(limits)
	httpx.Health(root, map[string]func(ctx context.Context) error{"mongo": a.db.Ping, "redis": a.redis.Ping})
	metrics.Routes(root)
	root.Handle(openapi.Operation{Method: http.MethodGet, Path: "/openapi.json", Summary: "This API's OpenAPI 3 document", Tag: "meta"},
		func(c *gin.Context) { c.JSON(http.StatusOK, a.spec.Document()) })
	a.mountQueueMonitor(root)

	api := root.Group("/api/v1")
	auth.NewHandler(a.auth, a.cfg.SecureCookies).Routes(api)
	registry.NewHandler(a.registry).Routes(api)
	complaints.NewHandler(a.complaints).Routes(api)
	dispatch.NewHandler(a.dispatch).Routes(api)
	fees.NewHandler(a.fees).Routes(api)
	rma.NewHandler(a.rma).Routes(api)
	orders.NewHandler(a.orders).Routes(api)
	parts.NewHandler(a.parts).Routes(api)
	mobile := root.Group("/mobile/v1")
	mobileapi.NewHandler(a.mobile).Routes(mobile)
	parts.NewHandler(a.parts).MobileRoutes(mobile)
	return e
}

// mountQueueMonitor serves asynqmon to admins at /admin/queues. A browser reaches it
// with the HttpOnly cookie that an admin's login sets for /admin.
func (a *App) mountQueueMonitor(root *httpx.Router) {
	mon := asynqmon.New(asynqmon.Options{RootPath: "/admin/queues", RedisConnOpt: a.redis.Conn})
	a.closers = append(a.closers, func() { _ = mon.Close() })
	h := gin.WrapH(mon)
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		op := openapi.Operation{Method: m, Path: "/admin/queues/*path", Summary: "Queue monitor (asynqmon UI and its API)",
			Tag: "admin", Roles: []string{auth.RoleAdmin}, Audience: auth.AudStaff}
		root.Handle(op, h)
	}
}
