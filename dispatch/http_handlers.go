package dispatch

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

// The handlers only parse, call the service and map the error; these adapters do that
// for the three shapes of call the API has.

func respond[R any](c *gin.Context, status int, r R, err error) {
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(status, r)
}

func withBody[T, R any](status int, call func(context.Context, auth.Principal, T) (R, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in T
		if err := httpx.Bind(c, &in); err != nil {
			httpx.Error(c, err)
			return
		}
		r, err := call(c.Request.Context(), auth.PrincipalFrom(c), in)
		respond(c, status, r, err)
	}
}

func byID[R any](call func(context.Context, auth.Principal, string) (R, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := call(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
		respond(c, http.StatusOK, r, err)
	}
}

func withIDBody[T, R any](call func(context.Context, auth.Principal, string, T) (R, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in T
		if err := httpx.Bind(c, &in); err != nil {
			httpx.Error(c, err)
			return
		}
		r, err := call(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
		respond(c, http.StatusOK, r, err)
	}
}

func outletTransition(s *Service, name string) func(context.Context, auth.Principal, string, TransitionInput) (OutletView, error) {
	return func(ctx context.Context, p auth.Principal, id string, in TransitionInput) (OutletView, error) {
		return s.TransitionOutlet(ctx, p, id, name, in)
	}
}

func technicianTransition(s *Service, name string) func(context.Context, auth.Principal, string, TransitionInput) (TechnicianView, error) {
	return func(ctx context.Context, p auth.Principal, id string, in TransitionInput) (TechnicianView, error) {
		return s.TransitionTechnician(ctx, p, id, name, in)
	}
}

// params reads list filters, collecting every bad one.
type params struct {
	c   *gin.Context
	bad apperr.Fields
}

func (q params) bool(name string) *bool {
	s, ok := q.c.GetQuery(name)
	if !ok {
		return nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		q.bad.Add(name, "must be true or false")
	}
	return &v
}

func (q params) float(name string) float64 {
	v, err := strconv.ParseFloat(q.c.Query(name), 64)
	if err != nil {
		q.bad.Add(name, "is required: a number")
	}
	return v
}

func (q params) page() httpx.Page {
	p, err := httpx.ParsePage(q.c)
	if e, ok := err.(*apperr.Error); ok {
		for k, v := range e.Details {
			q.bad.Add(k, "%s", v)
		}
	}
	return p
}

func newParams(c *gin.Context) params { return params{c: c, bad: apperr.Fields{}} }

func (h *Handler) listWarehouses(c *gin.Context) {
	q := newParams(c)
	f, page := WarehouseFilter{Active: q.bool("active"), Category: c.Query("category")}, q.page()
	if err := q.bad.Err(); err != nil {
		httpx.Error(c, err)
		return
	}
	r, err := h.svc.ListWarehouses(c.Request.Context(), auth.PrincipalFrom(c), f, page)
	respond(c, http.StatusOK, r, err)
}

func (h *Handler) listOutlets(c *gin.Context) {
	q := newParams(c)
	f := OutletFilter{Kind: c.Query("kind"), Suspended: q.bool("suspended"), Category: c.Query("category"), Brand: c.Query("brand")}
	page := q.page()
	if err := q.bad.Err(); err != nil {
		httpx.Error(c, err)
		return
	}
	r, err := h.svc.ListOutlets(c.Request.Context(), auth.PrincipalFrom(c), f, page)
	respond(c, http.StatusOK, r, err)
}

func (h *Handler) listTechnicians(c *gin.Context) {
	q := newParams(c)
	f := TechnicianFilter{OutletID: c.Query("outlet_id"), Active: q.bool("active"), Skill: c.Query("skill")}
	page := q.page()
	if err := q.bad.Err(); err != nil {
		httpx.Error(c, err)
		return
	}
	r, err := h.svc.ListTechnicians(c.Request.Context(), auth.PrincipalFrom(c), f, page)
	respond(c, http.StatusOK, r, err)
}

func (h *Handler) indexStats(c *gin.Context) { c.JSON(http.StatusOK, h.svc.Stats()) }

func (h *Handler) returnWarehouse(c *gin.Context) {
	q := newParams(c)
	category, lat, lon := c.Query("category"), q.float("lat"), q.float("lon")
	q.bad.Required("category", category)
	checkCoords(q.bad, "", lat, lon)
	if err := q.bad.Err(); err != nil {
		httpx.Error(c, err)
		return
	}
	w, err := h.svc.RouteReturn(category, lat, lon, h.svc.clock.Now())
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, ReturnRoute{WarehouseID: w.ID, Name: w.Name, Address: w.Address,
		DistanceKm: HaversineKm(lat, lon, w.Lat, w.Lon)})
}
