package fees

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves the fees API under /api/v1/fees.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Who may call what. Object-level checks (an outlet sees only its own) and the
// statement state machine (which role may take which step) are the service's.
var (
	rolesScheduleRead  = []string{auth.RoleFinance, auth.RoleAdmin, auth.RoleDispatcher, auth.RoleAgent, auth.RoleSupervisor, auth.RoleOutlet}
	rolesScheduleWrite = []string{auth.RoleFinance, auth.RoleAdmin}
	rolesQuoteWrite    = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleOutlet}
	rolesQuoteRead     = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleOutlet, auth.RoleDispatcher, auth.RoleFinance, auth.RoleAdmin}
	rolesStatementRead = []string{auth.RoleFinance, auth.RoleAdmin, auth.RoleOutlet}
	rolesStatementAct  = []string{auth.RoleFinance, auth.RoleOutlet}
	rolesFinance       = []string{auth.RoleFinance}
	rolesReports       = []string{auth.RoleFinance, auth.RoleAdmin}
)

// ScheduleList is a page of schedules.
type ScheduleList = httpx.PageResult[Schedule]

// StatementList is a page of statements.
type StatementList = httpx.PageResult[StatementSummary]

// QuoteList is the quotes of an order.
type QuoteList struct {
	Items []Quote `json:"items"`
}

// GenerateRequest asks for a period's statements.
type GenerateRequest struct {
	Period string `json:"period" doc:"YYYY-MM, Asia/Shanghai"`
}

// Validate checks the period's form.
func (r GenerateRequest) Validate() error {
	if _, ok := parsePeriod(r.Period); !ok {
		return apperr.Fields{"period": "must be a month YYYY-MM"}.Err()
	}
	return nil
}

// GenerateResponse lists the period's statements after generation.
type GenerateResponse struct {
	Period     string             `json:"period"`
	Statements []StatementSummary `json:"statements"`
}

// Routes registers the endpoints on r, the /api/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	g := r.Group("/fees")
	op := func(method, path, summary string, roles []string, req, resp any, status int) openapi.Operation {
		return openapi.Operation{Method: method, Path: path, Summary: summary, Tag: "fees", Roles: roles,
			Audience: auth.AudStaff, Request: req, Response: resp, Status: status}
	}
	h.scheduleRoutes(g, op)
	h.quoteRoutes(g, op)
	h.statementRoutes(g, op)
	reports := op(http.MethodGet, "/reports/variance", "Quoted against priced per out-of-warranty order", rolesReports, nil, VarianceReport{}, 0)
	reports.Query = []openapi.Param{{Name: "from", Description: "first completion day, YYYY-MM-DD (Asia/Shanghai)"},
		{Name: "to", Description: "last completion day, inclusive"}}
	g.Handle(reports, h.variance)
	outlets := op(http.MethodGet, "/reports/outlets", "Settlement totals per outlet for a period", rolesReports, nil, OutletReport{}, 0)
	outlets.Query = []openapi.Param{{Name: "period", Description: "YYYY-MM (Asia/Shanghai)"}}
	g.Handle(outlets, h.outletTotals)
}

type opFunc func(method, path, summary string, roles []string, req, resp any, status int) openapi.Operation

func (h *Handler) scheduleRoutes(g *httpx.Router, op opFunc) {
	g.Handle(op(http.MethodPost, "/schedules", "Create a fee schedule with its first version", rolesScheduleWrite,
		CreateScheduleInput{}, Schedule{}, http.StatusCreated), h.createSchedule)
	list := op(http.MethodGet, "/schedules", "List fee schedules", rolesScheduleRead, nil, ScheduleList{}, 0)
	list.Query = append([]openapi.Param{{Name: "outlet_id", Description: "an outlet's schedule; - for the default"}}, httpx.PageParams...)
	g.Handle(list, h.listSchedules)
	g.Handle(op(http.MethodGet, "/schedules/:id", "Get a fee schedule", rolesScheduleRead, nil, Schedule{}, 0), h.getSchedule)
	g.Handle(op(http.MethodPost, "/schedules/:id/versions", "Add a schedule version taking effect later", rolesScheduleWrite,
		AddVersionInput{}, Schedule{}, http.StatusCreated), h.addVersion)
}

func (h *Handler) quoteRoutes(g *httpx.Router, op opFunc) {
	g.Handle(op(http.MethodPost, "/quotes", "Quote out-of-warranty work from the schedule", rolesQuoteWrite,
		QuoteInput{}, Quote{}, http.StatusCreated), h.createQuote)
	list := op(http.MethodGet, "/quotes", "List an order's quotes", rolesQuoteRead, nil, QuoteList{}, 0)
	list.Query = []openapi.Param{{Name: "order_id", Description: "required"}}
	g.Handle(list, h.listQuotes)
	g.Handle(op(http.MethodGet, "/quotes/:id", "Get a quote", rolesQuoteRead, nil, Quote{}, 0), h.getQuote)
	g.Handle(op(http.MethodPost, "/quotes/:id/accept", "Record the customer's acceptance of a quote", rolesQuoteWrite,
		AcceptInput{}, Quote{}, 0), h.acceptQuote)
	g.Handle(op(http.MethodGet, "/priced-jobs/:order_id", "Get a completed order's fee lines", rolesQuoteRead,
		nil, PricedJob{}, 0), h.getPricedJob)
}

func (h *Handler) statementRoutes(g *httpx.Router, op opFunc) {
	g.Handle(op(http.MethodPost, "/statements/generate", "Generate a period's settlement statements", rolesFinance,
		GenerateRequest{}, GenerateResponse{}, 0), h.generate)
	list := op(http.MethodGet, "/statements", "List settlement statements", rolesStatementRead, nil, StatementList{}, 0)
	list.Query = append([]openapi.Param{{Name: "status", Enum: Statuses()}, {Name: "period", Description: "YYYY-MM"},
		{Name: "outlet_id"}}, httpx.PageParams...)
	g.Handle(list, h.listStatements)
	g.Handle(op(http.MethodGet, "/statements/:id", "Get a statement with its lines", rolesStatementRead, nil, Statement{}, 0), h.getStatement)
	csvOp := op(http.MethodGet, "/statements/:id/export.csv", "Export a statement as CSV", rolesStatementRead, nil, nil, 0)
	csvOp.Description = "text/csv, UTF-8 with BOM: a header row, one row per line, then a TOTAL row. " +
		"Amounts appear as decimals of the major unit and as integer minor units."
	g.Handle(csvOp, h.exportCSV)
	actions := []struct {
		path, summary string
		roles         []string
		req           any
		fn            gin.HandlerFunc
	}{
		{"/statements/:id/submit", "Confirm a draft statement (its outlet)", rolesStatementAct, ActionInput{}, h.submit},
		{"/statements/:id/dispute", "Dispute lines with reasons", rolesStatementAct, DisputeInput{}, h.dispute},
		{"/statements/:id/adjust", "Adjust disputed lines (finance)", rolesStatementAct, AdjustInput{}, h.adjust},
		{"/statements/:id/approve", "Approve a statement for payment (finance)", rolesStatementAct, ActionInput{}, h.approve},
		{"/statements/:id/pay", "Record a statement's payment (finance)", rolesStatementAct, PayInput{}, h.pay},
	}
	for _, a := range actions {
		g.Handle(op(http.MethodPost, a.path, a.summary, a.roles, a.req, Statement{}, 0), a.fn)
	}
}

// reply writes v with status, or the error.
func reply(c *gin.Context, status int, v any, err error) {
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(status, v)
}

// bindOptional binds a body that may be left out entirely.
func bindOptional(c *gin.Context, v any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	return httpx.Bind(c, v)
}
