package orders

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves service orders, the outlets' offers and the dispatch board under /api/v1.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// List responses.
type (
	ServiceOrderList = httpx.PageResult[ServiceOrderView]
	OfferList        = httpx.PageResult[OfferView]
)

var outletRole = []string{auth.RoleOutlet}

func op(method, path, summary string, roles []string, req, resp any) openapi.Operation {
	return openapi.Operation{Method: method, Path: path, Summary: summary, Tag: "service orders", Roles: roles,
		Audience: auth.AudStaff, Request: req, Response: resp}
}

// Routes registers the endpoints on r, the /api/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	create := op(http.MethodPost, "/service-orders", "Create a service order; it goes to dispatch at once", creators, CreateInput{}, ServiceOrderView{})
	create.Status = http.StatusCreated
	r.Handle(create, h.create)
	list := op(http.MethodGet, "/service-orders", "List service orders", readers, nil, ServiceOrderList{})
	list.Query = append([]openapi.Param{{Name: "status", Enum: Statuses()}, {Name: "customer_id"}, {Name: "complaint_id"},
		{Name: "outlet_id", Description: "assigned outlet"}, {Name: "technician_id", Description: "assigned technician"},
		{Name: "escalated", Type: "boolean"}}, httpx.PageParams...)
	r.Handle(list, h.list)
	r.Handle(op(http.MethodGet, "/service-orders/:id", "Get a service order with its history", readers, nil, ServiceOrderView{}), h.get)
	for _, a := range []struct {
		path, summary string
		roles         []string
		req           any
		handler       gin.HandlerFunc
	}{
		{"assign", "Assign by hand (override), with a reason; withdraws an open offer", dispatchers, AssignInput{}, act(h, h.svc.Assign)},
		{"redispatch", "Clear an escalation and run the engine again", dispatchers, RedispatchInput{}, act(h, h.svc.Redispatch)},
		{"technician", "Name the technician of an assigned order", dispatchers, TechnicianInput{}, act(h, h.svc.AssignTechnician)},
		{"appointment", "Set or move the visit's appointment", creators, AppointmentInput{}, act(h, h.svc.SetAppointment)},
		{"revisit", "Not fixed: create a linked follow-up visit", dispatchers, RevisitInput{}, act(h, h.svc.Revisit)},
		{"verify", "Confirm the completed work", dispatchers, NoteInput{}, act(h, h.svc.Verify)},
		{"close", "Close a verified order", dispatchers, NoteInput{}, act(h, h.svc.Close)},
		{"cancel", "Cancel before the technician is on site", creators, CancelInput{}, act(h, h.svc.Cancel)},
	} {
		r.Handle(op(http.MethodPost, "/service-orders/:id/"+a.path, a.summary, a.roles, a.req, ServiceOrderView{}), a.handler)
	}
	h.outletRoutes(r)
	board := op(http.MethodGet, "/dispatch/board", "Dispatch board: unassigned, offered, at risk of SLA", dispatchers, nil, Board{})
	board.Query = []openapi.Param{{Name: "limit", Type: "integer", Description: "items per list, 1 to 200 (default 50)"},
		{Name: "at_risk_hours", Type: "number", Description: "at-risk horizon in hours (default 4)"}}
	r.Handle(board, h.board)
}

func (h *Handler) outletRoutes(r *httpx.Router) {
	offers := op(http.MethodGet, "/outlet/offers", "Open offers to your outlet", outletRole, nil, OfferList{})
	offers.Query = httpx.PageParams
	r.Handle(offers, h.offers)
	r.Handle(op(http.MethodPost, "/outlet/offers/:id/accept", "Accept an offer, optionally naming the technician",
		outletRole, AcceptInput{}, ServiceOrderView{}), act(h, h.svc.AcceptOffer))
	r.Handle(op(http.MethodPost, "/outlet/offers/:id/decline", "Decline an offer; it goes to the next candidate",
		outletRole, DeclineInput{}, ServiceOrderView{}), act(h, h.svc.DeclineOffer))
	list := op(http.MethodGet, "/outlet/service-orders", "Service orders assigned to your outlet", outletRole, nil, ServiceOrderList{})
	list.Query = append([]openapi.Param{{Name: "status", Enum: Statuses()}}, httpx.PageParams...)
	r.Handle(list, h.list)
	r.Handle(op(http.MethodGet, "/outlet/service-orders/:id", "Get a service order of your outlet", outletRole, nil, ServiceOrderView{}), h.get)
	r.Handle(op(http.MethodPost, "/outlet/service-orders/:id/technician", "Name the technician of your outlet's order",
		outletRole, TechnicianInput{}, ServiceOrderView{}), act(h, h.svc.AssignTechnician))
	r.Handle(op(http.MethodPost, "/outlet/service-orders/:id/appointment", "Set or move the visit's appointment",
		outletRole, AppointmentInput{}, ServiceOrderView{}), act(h, h.svc.SetAppointment))
}

func (h *Handler) reply(c *gin.Context, status int, p auth.Principal, o *ServiceOrder, err error) {
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(status, View(o, p, h.svc.clock.Now(), true))
}

func (h *Handler) create(c *gin.Context) {
	var in CreateInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	p := auth.PrincipalFrom(c)
	o, err := h.svc.Create(c.Request.Context(), p, in)
	h.reply(c, http.StatusCreated, p, o, err)
}

func (h *Handler) get(c *gin.Context) {
	p := auth.PrincipalFrom(c)
	o, err := h.svc.Get(c.Request.Context(), p, c.Param("id"))
	h.reply(c, http.StatusOK, p, o, err)
}

// act adapts a service method on one order to a handler: bind the body, call, answer
// with the order as it is now.
func act[T any](h *Handler, call func(context.Context, auth.Principal, string, T) (*ServiceOrder, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in T
		if err := httpx.Bind(c, &in); err != nil {
			httpx.Error(c, err)
			return
		}
		p := auth.PrincipalFrom(c)
		o, err := call(c.Request.Context(), p, c.Param("id"), in)
		h.reply(c, http.StatusOK, p, o, err)
	}
}

func (h *Handler) list(c *gin.Context) {
	bad := apperr.Fields{}
	page, err := httpx.ParsePage(c)
	if e, ok := err.(*apperr.Error); ok {
		for k, v := range e.Details {
			bad.Add(k, "%s", v)
		}
	}
	q := c.Request.URL.Query()
	f := ListFilter{Status: q.Get("status"), CustomerID: q.Get("customer_id"), ComplaintID: q.Get("complaint_id"),
		OutletID: q.Get("outlet_id"), TechnicianID: q.Get("technician_id")}
	if f.Status != "" {
		bad.OneOf("status", f.Status, Statuses()...)
	}
	if s, ok := c.GetQuery("escalated"); ok {
		v, err := strconv.ParseBool(s)
		if err != nil {
			bad.Add("escalated", "must be true or false")
		}
		f.Escalated = &v
	}
	if err := bad.Err(); err != nil {
		httpx.Error(c, err)
		return
	}
	p := auth.PrincipalFrom(c)
	docs, err := h.svc.List(c.Request.Context(), p, f, page)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	now := h.svc.clock.Now()
	views := make([]ServiceOrderView, len(docs))
	for i := range docs {
		views[i] = View(&docs[i], p, now, false)
	}
	c.JSON(http.StatusOK, httpx.NewPageResult(views, page.Limit, func(v ServiceOrderView) string { return v.ID }))
}

func (h *Handler) offers(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	docs, err := h.svc.OpenOffers(c.Request.Context(), auth.PrincipalFrom(c), page)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	now := h.svc.clock.Now()
	views := make([]OfferView, len(docs))
	for i := range docs {
		views[i] = ViewOffer(&docs[i], now)
	}
	c.JSON(http.StatusOK, httpx.NewPageResult(views, page.Limit, func(v OfferView) string { return v.OrderID }))
}

func (h *Handler) board(c *gin.Context) {
	bad, q := apperr.Fields{}, BoardQuery{}
	if s, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > httpx.MaxPageLimit {
			bad.Add("limit", "must be an integer from 1 to %d", httpx.MaxPageLimit)
		}
		q.Limit = n
	}
	if s, ok := c.GetQuery("at_risk_hours"); ok {
		hours, err := strconv.ParseFloat(s, 64)
		if err != nil || hours <= 0 || hours > 24*30 {
			bad.Add("at_risk_hours", "must be a number of hours above 0 and at most 720")
		}
		q.AtRiskWithin = time.Duration(hours * float64(time.Hour))
	}
	if err := bad.Err(); err != nil {
		httpx.Error(c, err)
		return
	}
	b, err := h.svc.Board(c.Request.Context(), auth.PrincipalFrom(c), q)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, b)
}
