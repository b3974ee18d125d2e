package complaints

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves the complaints desk under /api/v1.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// RespondRequest is an agent's answer to the customer.
type RespondRequest struct {
	Message string `json:"message" doc:"what the customer was told; at most 2000 characters"`
}

// Validate reports a missing or long message.
func (r RespondRequest) Validate() error { return requireText("message", r.Message, 2000) }

// ResolveRequest closes the case with a resolution.
type ResolveRequest struct {
	Resolution string `json:"resolution" doc:"at most 2000 characters"`
}

// Validate reports a missing or long resolution.
func (r ResolveRequest) Validate() error { return requireText("resolution", r.Resolution, 2000) }

// CancelRequest ends a duplicate or withdrawn complaint.
type CancelRequest struct {
	Reason string `json:"reason" doc:"at most 1000 characters"`
}

// Validate reports a missing or long reason.
func (r CancelRequest) Validate() error { return requireText("reason", r.Reason, 1000) }

// ComplaintList is a page of complaints.
type ComplaintList = httpx.PageResult[ComplaintView]

// AlertList is a page of alerts.
type AlertList = httpx.PageResult[Alert]

var listQuery = append([]openapi.Param{
	{Name: "status", Enum: Statuses()}, {Name: "class", Enum: Classes()}, {Name: "tier", Enum: auth.Tiers()},
	{Name: "channel", Enum: Channels()}, {Name: "assignee", Description: "a user id, me, or none (unassigned)"},
	{Name: "breached", Type: "boolean"}, {Name: "escalated", Type: "boolean", Description: "escalated to a supervisor"},
	{Name: "customer_id"},
	{Name: "from", Description: "intake at or after; RFC 3339 time or a date (UTC midnight)"},
	{Name: "to", Description: "intake before; RFC 3339 time or a date (UTC midnight)"},
}, httpx.PageParams...)

// Routes registers the endpoints on r, the /api/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	op := func(method, path, summary string, roles []string, req, resp any, status int) openapi.Operation {
		return openapi.Operation{Method: method, Path: path, Summary: summary, Tag: "complaints", Roles: roles,
			Audience: auth.AudStaff, Request: req, Response: resp, Status: status}
	}
	list := op(http.MethodGet, "/complaints", "List complaints", readers, nil, ComplaintList{}, 0)
	list.Query = listQuery
	r.Handle(op(http.MethodPost, "/complaints", "Take in a complaint", staff, CreateInput{}, ComplaintView{}, http.StatusCreated), h.create)
	r.Handle(list, h.list)
	r.Handle(op(http.MethodGet, "/complaints/:id", "Get a complaint with its history", readers, nil, ComplaintView{}, 0), h.get)
	actions := []struct {
		path, summary string
		roles         []string
		req           any
		handler       gin.HandlerFunc
	}{
		{"respond", "Answer the customer (the first answer stops the response clock)", staff, RespondRequest{}, h.respond},
		{"class", "Override the class; deadlines are recomputed", supervisors, ClassInput{}, bind(h.svc.Reclassify)},
		{"escalate", "Escalate to a higher support tier", staff, EscalateInput{}, bind(h.svc.Escalate)},
		{"assign", "Assign to an agent", staff, AssignInput{}, bind(h.svc.Assign)},
		{"triage", "Request an RMA and/or a service order", staff, TriageInput{}, bind(h.svc.Triage)},
		{"resolve", "Resolve without (further) linked work", staff, ResolveRequest{}, h.resolve},
		{"cancel", "Cancel a duplicate or withdrawn complaint", staff, CancelRequest{}, h.cancel},
		{"follow-up", "Record a follow-up call", staff, CallInput{}, bind(h.svc.RecordFollowUp)},
	}
	for _, a := range actions {
		r.Handle(op(http.MethodPost, "/complaints/:id/"+a.path, a.summary, a.roles, a.req, ComplaintView{}, 0), a.handler)
	}
	h.reportRoutes(r, op)
}

func (h *Handler) reportRoutes(r *httpx.Router, op func(string, string, string, []string, any, any, int) openapi.Operation) {
	followUps := op(http.MethodGet, "/follow-ups", "Resolved complaints whose follow-up call is due", staff, nil, ComplaintList{}, 0)
	followUps.Query = append([]openapi.Param{{Name: "due_before", Description: "RFC 3339 time or date; default now"}}, httpx.PageParams...)
	r.Handle(followUps, h.followUps)
	alerts := op(http.MethodGet, "/complaints/alerts", "Alerts: reports, SLA warnings and breaches, due follow-ups",
		[]string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin}, nil, AlertList{}, 0)
	alerts.Query = append([]openapi.Param{{Name: "kind", Enum: AlertKinds()}, {Name: "complaint_id"}}, httpx.PageParams...)
	r.Handle(alerts, h.alerts)
	kpis := op(http.MethodGet, "/complaints/kpis", "Complaint KPIs over an intake period",
		[]string{auth.RoleSupervisor, auth.RoleAdmin}, nil, KPIs{}, 0)
	kpis.Query = []openapi.Param{{Name: "from", Description: "default: 30 days before to"}, {Name: "to", Description: "default: now"}}
	r.Handle(kpis, h.kpis)
}

func (h *Handler) create(c *gin.Context) {
	var in CreateInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	p := auth.PrincipalFrom(c)
	cmp, err := h.svc.Create(c.Request.Context(), p, in)
	reply(c, http.StatusCreated, p, cmp, err)
}

func (h *Handler) get(c *gin.Context) {
	p := auth.PrincipalFrom(c)
	cmp, err := h.svc.Get(c.Request.Context(), p, c.Param("id"))
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, View(cmp, p.Role, true))
}

func (h *Handler) list(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	f, err := ParseListFilter(c.Request.URL.Query())
	if err != nil {
		httpx.Error(c, err)
		return
	}
	p := auth.PrincipalFrom(c)
	res, err := h.svc.List(c.Request.Context(), p, f, page)
	listReply(c, p, res, err)
}

func (h *Handler) followUps(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	bad := apperr.Fields{}
	before := parseTime(bad, c.Request.URL.Query(), "due_before")
	if err := bad.Err(); err != nil {
		httpx.Error(c, err)
		return
	}
	if before == nil {
		now := h.svc.clock.Now()
		before = &now
	}
	p := auth.PrincipalFrom(c)
	res, err := h.svc.ListFollowUps(c.Request.Context(), p, *before, page)
	listReply(c, p, res, err)
}

func (h *Handler) alerts(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	res, err := h.svc.ListAlerts(c.Request.Context(), auth.PrincipalFrom(c),
		AlertFilter{Kind: c.Query("kind"), ComplaintID: c.Query("complaint_id")}, page)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (h *Handler) kpis(c *gin.Context) {
	bad := apperr.Fields{}
	q := c.Request.URL.Query()
	from, to := parseTime(bad, q, "from"), parseTime(bad, q, "to")
	if err := bad.Err(); err != nil {
		httpx.Error(c, err)
		return
	}
	k, err := h.svc.KPIs(c.Request.Context(), auth.PrincipalFrom(c), from, to)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, k)
}

func (h *Handler) respond(c *gin.Context) {
	bindAct(c, func(ctx context.Context, p auth.Principal, id string, r RespondRequest) (*Complaint, error) {
		return h.svc.Respond(ctx, p, id, r.Message)
	})
}

func (h *Handler) resolve(c *gin.Context) {
	bindAct(c, func(ctx context.Context, p auth.Principal, id string, r ResolveRequest) (*Complaint, error) {
		return h.svc.Resolve(ctx, p, id, r.Resolution)
	})
}

func (h *Handler) cancel(c *gin.Context) {
	bindAct(c, func(ctx context.Context, p auth.Principal, id string, r CancelRequest) (*Complaint, error) {
		return h.svc.Cancel(ctx, p, id, r.Reason)
	})
}

// bind adapts a service method on one complaint to a handler: bind the body, call,
// answer with the complaint as it is now.
func bind[T any](do func(context.Context, auth.Principal, string, T) (*Complaint, error)) gin.HandlerFunc {
	return func(c *gin.Context) { bindAct(c, do) }
}

func bindAct[T any](c *gin.Context, do func(context.Context, auth.Principal, string, T) (*Complaint, error)) {
	var in T
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	p := auth.PrincipalFrom(c)
	cmp, err := do(c.Request.Context(), p, c.Param("id"), in)
	reply(c, http.StatusOK, p, cmp, err)
}

func reply(c *gin.Context, status int, p auth.Principal, cmp *Complaint, err error) {
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(status, View(cmp, p.Role, true))
}

func listReply(c *gin.Context, p auth.Principal, res httpx.PageResult[*Complaint], err error) {
	if err != nil {
		httpx.Error(c, err)
		return
	}
	items := make([]ComplaintView, len(res.Items))
	for i, cmp := range res.Items {
		items[i] = View(cmp, p.Role, false)
	}
	c.JSON(http.StatusOK, ComplaintList{Items: items, NextCursor: res.NextCursor})
}
