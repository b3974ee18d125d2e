package rma

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves the RMA desk, the warehouses' RMA API and finance's refunds under /api/v1.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// List pages.
type (
	List       = httpx.PageResult[View]
	RefundList = httpx.PageResult[RefundView]
)

var (
	warehouseStaff = []string{auth.RoleWarehouse}
	refundReaders  = []string{auth.RoleFinance, auth.RoleSupervisor, auth.RoleAdmin}
	finance        = []string{auth.RoleFinance}
)

var listQuery = append([]openapi.Param{{Name: "status", Enum: Statuses()}, {Name: "type", Enum: Types()},
	{Name: "customer_id"}, {Name: "complaint_id"}, {Name: "warehouse_id"}, {Name: "sales_order_id"}, {Name: "serial"}},
	httpx.PageParams...)

func op(method, path, summary string, roles []string, req, resp any) openapi.Operation {
	return openapi.Operation{Method: method, Path: path, Summary: summary, Tag: "rma", Roles: roles,
		Audience: auth.AudStaff, Request: req, Response: resp}
}

// Routes registers the endpoints on r, the /api/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	h.deskRoutes(r)
	h.warehouseRoutes(r)
	refunds := op(http.MethodGet, "/refunds", "Refund records for finance", refundReaders, nil, RefundList{})
	refunds.Query = append([]openapi.Param{{Name: "status", Enum: []string{RefundPending, RefundPaid}}}, httpx.PageParams...)
	r.Handle(refunds, h.listRefunds)
	r.Handle(op(http.MethodPost, "/refunds/:id/paid", "Record that a refund was paid", finance, PaidInput{}, RefundView{}),
		h.markPaid)
}

func (h *Handler) deskRoutes(r *httpx.Router) {
	create := op(http.MethodPost, "/rmas", "Open an RMA", desk, CreateInput{}, View{})
	create.Status = http.StatusCreated
	create.Description = "Lines are checked against the sales orders and the return policy, and their quantities " +
		"reserved at once: a quantity no longer returnable answers 409 with per-line details and writes nothing."
	r.Handle(create, h.create)
	list := op(http.MethodGet, "/rmas", "List RMAs", readers, nil, List{})
	list.Query = listQuery
	r.Handle(list, h.list)
	r.Handle(op(http.MethodGet, "/rmas/:id", "Get an RMA with its history", readers, nil, View{}), h.get)
	r.Handle(op(http.MethodPost, "/rmas/:id/approve", "Approve; goods-back RMAs are then routed to a warehouse",
		desk, nil, View{}), h.approve)
	actions := []struct {
		path, summary string
		roles         []string
		req           any
		handler       gin.HandlerFunc
	}{
		{"reject", "Reject a requested RMA", desk, ReasonInput{}, bindAct(h.svc.Reject)},
		{"cancel", "Cancel before the goods arrive", desk, ReasonInput{}, bindAct(h.svc.Cancel)},
		{"override", "Allow a line the policy found ineligible", supervisors, OverrideInput{}, bindAct(h.svc.Override)},
		{"return-shipment", "Record the customer's return parcel", desk, ShipmentInput{}, bindAct(h.svc.ReturnShipped)},
		{"decide", "Rule on goods that did not match", supervisors, DecideInput{}, bindAct(h.svc.Decide)},
		{"refund", "Refund; the RMA then closes", desk, RefundInput{}, bindAct(h.svc.Refund)},
	}
	for _, a := range actions {
		r.Handle(op(http.MethodPost, "/rmas/:id/"+a.path, a.summary, a.roles, a.req, View{}), a.handler)
	}
}

func (h *Handler) warehouseRoutes(r *httpx.Router) {
	list := op(http.MethodGet, "/warehouse/rmas", "RMAs routed to your warehouse", warehouseStaff, nil, List{})
	list.Query = append([]openapi.Param{{Name: "status", Enum: Statuses()}}, httpx.PageParams...)
	r.Handle(list, h.warehouseList)
	r.Handle(op(http.MethodGet, "/warehouse/rmas/:id", "An RMA routed to your warehouse", warehouseStaff, nil, View{}), h.get)
	actions := []struct {
		path, summary string
		req           any
		handler       gin.HandlerFunc
	}{
		{"receipt", "Record what arrived, per line and serial", ReceiptInput{}, bindAct(h.svc.Receive)},
		{"inspection", "Grade what arrived, per line", InspectionInput{}, bindAct(h.svc.Inspect)},
		{"reshipment", "Confirm the replacement of an exchange was shipped", ShipmentInput{}, bindAct(h.svc.Reship)},
		{"repair-return", "Confirm a repaired unit was shipped back", ShipmentInput{}, bindAct(h.svc.RepairReturned)},
	}
	for _, a := range actions {
		r.Handle(op(http.MethodPost, "/warehouse/rmas/:id/"+a.path, a.summary, warehouseStaff, a.req, View{}), a.handler)
	}
}

func (h *Handler) create(c *gin.Context) {
	var in CreateInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	r, err := h.svc.Create(c.Request.Context(), auth.PrincipalFrom(c), in)
	reply(c, http.StatusCreated, r, err)
}

func (h *Handler) get(c *gin.Context) {
	r, err := h.svc.Get(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
	reply(c, http.StatusOK, r, err)
}

func (h *Handler) approve(c *gin.Context) {
	r, err := h.svc.Approve(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
	reply(c, http.StatusOK, r, err)
}

func (h *Handler) list(c *gin.Context) {
	q := Filter{Status: c.Query("status"), Type: c.Query("type"), CustomerID: c.Query("customer_id"),
		ComplaintID: c.Query("complaint_id"), WarehouseID: c.Query("warehouse_id"),
		SalesOrderID: c.Query("sales_order_id"), Serial: c.Query("serial")}
	h.page(c, q)
}

func (h *Handler) warehouseList(c *gin.Context) { h.page(c, Filter{Status: c.Query("status")}) }

func (h *Handler) page(c *gin.Context, q Filter) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	res, err := h.svc.List(c.Request.Context(), auth.PrincipalFrom(c), q, page)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (h *Handler) listRefunds(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	res, err := h.svc.ListRefunds(c.Request.Context(), c.Query("status"), page)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

func (h *Handler) markPaid(c *gin.Context) {
	var in PaidInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	v, err := h.svc.MarkPaid(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, v)
}

// bindAct serves an action with a body on the RMA named in the path.
func bindAct[In any](f func(context.Context, auth.Principal, string, In) (*RMA, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if err := httpx.Bind(c, &in); err != nil {
			httpx.Error(c, err)
			return
		}
		r, err := f(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
		reply(c, http.StatusOK, r, err)
	}
}

func reply(c *gin.Context, status int, r *RMA, err error) {
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(status, r.view())
}
