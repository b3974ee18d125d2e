package parts

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

func reply[T any](c *gin.Context, status int, v T, err error) {
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(status, v)
}

// body adapts a service call taking a JSON body.
func body[I, O any](status int, fn func(context.Context, auth.Principal, I) (O, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in I
		if err := httpx.Bind(c, &in); err != nil {
			httpx.Error(c, err)
			return
		}
		out, err := fn(c.Request.Context(), auth.PrincipalFrom(c), in)
		reply(c, status, out, err)
	}
}

// byID adapts a service call on the object named by :id.
func byID[O any](fn func(context.Context, auth.Principal, string) (O, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		out, err := fn(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
		reply(c, http.StatusOK, out, err)
	}
}

// byIDBody adapts a service call on :id taking a JSON body; optional lets the body be absent.
func byIDBody[I, O any](optional bool, fn func(context.Context, auth.Principal, string, I) (O, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in I
		if !optional || c.Request.ContentLength != 0 {
			if err := httpx.Bind(c, &in); err != nil {
				httpx.Error(c, err)
				return
			}
		}
		out, err := fn(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
		reply(c, http.StatusOK, out, err)
	}
}

// listed adapts a paged list call.
func listed[F, O any](filter func(*gin.Context) (F, error), fn func(context.Context, auth.Principal, F, httpx.Page) (O, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		page, err := httpx.ParsePage(c)
		if err != nil {
			httpx.Error(c, err)
			return
		}
		f, err := filter(c)
		if err != nil {
			httpx.Error(c, err)
			return
		}
		out, err := fn(c.Request.Context(), auth.PrincipalFrom(c), f, page)
		reply(c, http.StatusOK, out, err)
	}
}

func boolQuery(c *gin.Context, name string) (*bool, error) {
	s, ok := c.GetQuery(name)
	if !ok {
		return nil, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return nil, invalid(name, "must be true or false")
	}
	return &b, nil
}

func (h *Handler) createPart(c *gin.Context) {
	body(http.StatusCreated, h.svc.CreatePart)(c)
}

func (h *Handler) listParts(c *gin.Context) {
	listed(func(c *gin.Context) (PartFilter, error) {
		active, err := boolQuery(c, "active")
		return PartFilter{Category: c.Query("category"), Product: c.Query("product"), Active: active}, err
	}, func(ctx context.Context, _ auth.Principal, f PartFilter, p httpx.Page) (httpx.PageResult[Part], error) {
		return h.svc.Parts(ctx, f, p)
	})(c)
}

func (h *Handler) getPart(c *gin.Context) {
	out, err := h.svc.Part(c.Request.Context(), c.Param("part_no"))
	reply(c, http.StatusOK, out, err)
}

func (h *Handler) updatePart(c *gin.Context) {
	var in PartUpdate
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	out, err := h.svc.UpdatePart(c.Request.Context(), auth.PrincipalFrom(c), c.Param("part_no"), in)
	reply(c, http.StatusOK, out, err)
}

func (h *Handler) receiveGoods(c *gin.Context) { body(http.StatusCreated, h.svc.ReceiveGoods)(c) }
func (h *Handler) adjust(c *gin.Context)       { body(http.StatusCreated, h.svc.Adjust)(c) }

func (h *Handler) stock(c *gin.Context) {
	out, err := h.svc.Stock(c.Request.Context(), auth.PrincipalFrom(c), c.Query("location"), c.Query("part_no"))
	reply(c, http.StatusOK, out, err)
}

func (h *Handler) serial(c *gin.Context) {
	out, err := h.svc.Serial(c.Request.Context(), auth.PrincipalFrom(c), c.Param("part_no"), c.Param("serial"))
	reply(c, http.StatusOK, out, err)
}

func (h *Handler) ledgerList(c *gin.Context) {
	listed(func(c *gin.Context) (LedgerFilter, error) {
		return LedgerFilter{Location: c.Query("location"), PartNo: c.Query("part_no"), Ref: c.Query("ref"), Serial: c.Query("serial")}, nil
	}, h.svc.Ledger)(c)
}

func (h *Handler) ledgerCheck(c *gin.Context) {
	out, err := h.svc.CheckLedger(c.Request.Context())
	reply(c, http.StatusOK, out, err)
}

func (h *Handler) ledgerRepair(c *gin.Context) {
	out, err := h.svc.Reconcile(c.Request.Context())
	reply(c, http.StatusOK, out, err)
}

func (h *Handler) createRequisition(c *gin.Context) {
	body(http.StatusCreated, h.svc.CreateRequisition)(c)
}

func (h *Handler) listRequisitions(c *gin.Context) {
	listed(func(c *gin.Context) (RequisitionFilter, error) {
		return RequisitionFilter{Status: c.Query("status"), TechnicianID: c.Query("technician_id"), OrderID: c.Query("order_id")}, nil
	}, h.svc.Requisitions)(c)
}

func (h *Handler) getRequisition(c *gin.Context) { byID(h.svc.Requisition)(c) }
func (h *Handler) approve(c *gin.Context)        { byID(h.svc.Approve)(c) }
func (h *Handler) reject(c *gin.Context)         { byIDBody(false, h.svc.Reject)(c) }
func (h *Handler) issue(c *gin.Context)          { byIDBody(true, h.svc.Issue)(c) }
func (h *Handler) receive(c *gin.Context)        { byID(h.svc.Receive)(c) }
func (h *Handler) cancel(c *gin.Context)         { byIDBody(false, h.svc.Cancel)(c) }

func (h *Handler) createTransfer(c *gin.Context) { body(http.StatusCreated, h.svc.CreateTransfer)(c) }

func (h *Handler) listTransfers(c *gin.Context) {
	listed(func(c *gin.Context) (string, error) { return c.Query("status"), nil }, h.svc.Transfers)(c)
}

func (h *Handler) getTransfer(c *gin.Context)     { byID(h.svc.Transfer)(c) }
func (h *Handler) receiveTransfer(c *gin.Context) { byID(h.svc.ReceiveTransfer)(c) }
func (h *Handler) cancelTransfer(c *gin.Context)  { byID(h.svc.CancelTransfer)(c) }

func (h *Handler) consume(c *gin.Context) { body(http.StatusCreated, h.svc.Consume)(c) }

func (h *Handler) listConsumptions(c *gin.Context) {
	listed(func(c *gin.Context) (ConsumptionFilter, error) {
		return ConsumptionFilter{OrderID: c.Query("order_id"), TechnicianID: c.Query("technician_id"),
			DefectiveSerial: c.Query("defective_serial")}, nil
	}, h.svc.Consumptions)(c)
}

func (h *Handler) getConsumption(c *gin.Context) { byID(h.svc.Consumption)(c) }
func (h *Handler) scanReturn(c *gin.Context)     { body(http.StatusCreated, h.svc.ScanReturn)(c) }

func (h *Handler) listReturns(c *gin.Context) {
	listed(func(c *gin.Context) (bool, error) {
		b, err := boolQuery(c, "unmatched")
		return b != nil && *b, err
	}, h.svc.Returns)(c)
}

func (h *Handler) listFlags(c *gin.Context) {
	listed(func(c *gin.Context) (FlagFilter, error) {
		open, err := boolQuery(c, "open")
		return FlagFilter{Kind: c.Query("kind"), TechnicianID: c.Query("technician_id"), OutletID: c.Query("outlet_id"), Open: open}, err
	}, h.svc.Flags)(c)
}

func (h *Handler) scanFlags(c *gin.Context) {
	out, err := h.svc.ScanFlags(c.Request.Context())
	reply(c, http.StatusOK, out, err)
}

func (h *Handler) technicianReport(c *gin.Context) { h.report(c, ByTechnician) }
func (h *Handler) outletReport(c *gin.Context)     { h.report(c, ByOutlet) }

func (h *Handler) report(c *gin.Context, by string) {
	from, to, err := h.period(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	out, err := h.svc.Activity(c.Request.Context(), auth.PrincipalFrom(c), by, from, to)
	reply(c, http.StatusOK, out, err)
}

// period reads ?from= and ?to= (RFC 3339); by default the 30 days up to now.
func (h *Handler) period(c *gin.Context) (time.Time, time.Time, error) {
	f, to := apperr.Fields{}, h.svc.clock.Now()
	parse := func(name string, def time.Time) time.Time {
		s, ok := c.GetQuery(name)
		if !ok {
			return def
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			f.Add(name, "must be an RFC 3339 time")
		}
		return t.UTC()
	}
	to = parse("to", to)
	from := parse("from", to.Add(-30*24*time.Hour))
	return from, to, f.Err()
}

func (h *Handler) valuation(c *gin.Context) {
	out, err := h.svc.Valuation(c.Request.Context(), auth.PrincipalFrom(c), c.Query("location"))
	reply(c, http.StatusOK, out, err)
}
