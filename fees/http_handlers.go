package fees

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

func (h *Handler) createSchedule(c *gin.Context) {
	var in CreateScheduleInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.CreateSchedule(c.Request.Context(), auth.PrincipalFrom(c), in)
	reply(c, http.StatusCreated, s, err)
}

func (h *Handler) addVersion(c *gin.Context) {
	var in AddVersionInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.AddVersion(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
	reply(c, http.StatusCreated, s, err)
}

func (h *Handler) listSchedules(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	res, err := h.svc.ListSchedules(c.Request.Context(), auth.PrincipalFrom(c), c.Query("outlet_id"), page)
	reply(c, http.StatusOK, res, err)
}

func (h *Handler) getSchedule(c *gin.Context) {
	s, err := h.svc.GetSchedule(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
	reply(c, http.StatusOK, s, err)
}

func (h *Handler) createQuote(c *gin.Context) {
	var in QuoteInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	q, err := h.svc.Quote(c.Request.Context(), auth.PrincipalFrom(c), in)
	reply(c, http.StatusCreated, q, err)
}

func (h *Handler) listQuotes(c *gin.Context) {
	orderID := c.Query("order_id")
	if orderID == "" {
		httpx.Error(c, apperr.Fields{"order_id": "is required"}.Err())
		return
	}
	qs, err := h.svc.ListQuotes(c.Request.Context(), auth.PrincipalFrom(c), orderID)
	reply(c, http.StatusOK, QuoteList{Items: qs}, err)
}

func (h *Handler) getQuote(c *gin.Context) {
	q, err := h.svc.GetQuote(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
	reply(c, http.StatusOK, q, err)
}

func (h *Handler) acceptQuote(c *gin.Context) {
	var in AcceptInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	q, err := h.svc.AcceptQuote(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
	reply(c, http.StatusOK, q, err)
}

func (h *Handler) getPricedJob(c *gin.Context) {
	j, err := h.svc.GetPricedJob(c.Request.Context(), auth.PrincipalFrom(c), c.Param("order_id"))
	reply(c, http.StatusOK, j, err)
}

func (h *Handler) generate(c *gin.Context) {
	var in GenerateRequest
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	sts, err := h.svc.GenerateStatements(c.Request.Context(), auth.PrincipalFrom(c), in.Period)
	reply(c, http.StatusOK, GenerateResponse{Period: in.Period, Statements: sts}, err)
}

func (h *Handler) listStatements(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	f, err := parseStatementFilter(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	res, err := h.svc.ListStatements(c.Request.Context(), auth.PrincipalFrom(c), f, page)
	reply(c, http.StatusOK, res, err)
}

func parseStatementFilter(c *gin.Context) (StatementFilter, error) {
	f := StatementFilter{Status: c.Query("status"), Period: c.Query("period"), OutletID: c.Query("outlet_id")}
	bad := apperr.Fields{}
	if f.Status != "" {
		bad.OneOf("status", f.Status, Statuses()...)
	}
	if _, ok := parsePeriod(f.Period); f.Period != "" && !ok {
		bad.Add("period", "must be a month YYYY-MM")
	}
	bad.MaxLen("outlet_id", f.OutletID, maxIDLen)
	return f, bad.Err()
}

func (h *Handler) getStatement(c *gin.Context) {
	s, err := h.svc.GetStatement(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
	reply(c, http.StatusOK, s, err)
}

func (h *Handler) exportCSV(c *gin.Context) {
	var buf bytes.Buffer // rendered whole first, so an error still gets the JSON error shape
	id := c.Param("id")
	if err := h.svc.ExportCSV(c.Request.Context(), auth.PrincipalFrom(c), id, &buf); err != nil {
		httpx.Error(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+id+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

func (h *Handler) submit(c *gin.Context) {
	var in ActionInput
	if err := bindOptional(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.Submit(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
	reply(c, http.StatusOK, s, err)
}

func (h *Handler) dispute(c *gin.Context) {
	var in DisputeInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.Dispute(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
	reply(c, http.StatusOK, s, err)
}

func (h *Handler) adjust(c *gin.Context) {
	var in AdjustInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.Adjust(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
	reply(c, http.StatusOK, s, err)
}

func (h *Handler) approve(c *gin.Context) {
	var in ActionInput
	if err := bindOptional(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.Approve(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
	reply(c, http.StatusOK, s, err)
}

func (h *Handler) pay(c *gin.Context) {
	var in PayInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.Pay(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), in)
	reply(c, http.StatusOK, s, err)
}

func (h *Handler) variance(c *gin.Context) {
	rep, err := h.svc.Variance(c.Request.Context(), c.Query("from"), c.Query("to"))
	reply(c, http.StatusOK, rep, err)
}

func (h *Handler) outletTotals(c *gin.Context) {
	rep, err := h.svc.OutletTotals(c.Request.Context(), c.Query("period"))
	reply(c, http.StatusOK, rep, err)
}
