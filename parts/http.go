package parts

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves the parts API.
type Handler struct{ svc *Service }

// NewHandler returns the handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// route is one endpoint; mobile ones are also served to technicians' mobile tokens.
type route struct {
	op      openapi.Operation
	handler gin.HandlerFunc
	mobile  bool
}

// Routes registers the staff endpoints on r, the /api/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	for _, rt := range h.routes() {
		rt.op.Audience, rt.op.Tag = auth.AudStaff, "parts"
		r.Handle(rt.op, rt.handler)
	}
}

// MobileRoutes registers the technicians' subset on r, the /mobile/v1 router: their
// van's stock, requisitions and receipt, consumption, and sending parts back.
func (h *Handler) MobileRoutes(r *httpx.Router) {
	for _, rt := range h.routes() {
		if rt.mobile {
			rt.op.Audience, rt.op.Tag, rt.op.Roles = auth.AudMobile, "mobile", []string{auth.RoleTechnician}
			r.Handle(rt.op, rt.handler)
		}
	}
}

func roles(rs ...string) []string { return rs }

var (
	catalogAdmins = roles(auth.RoleAdmin, auth.RoleSupervisor)
	stockAdmins   = roles(auth.RoleWarehouse, auth.RoleSupervisor, auth.RoleAdmin)
	approvers     = roles(auth.RoleWarehouse, auth.RoleSupervisor, auth.RoleAdmin)
	auditors      = roles(auth.RoleAdmin, auth.RoleSupervisor, auth.RoleFinance)
	flagReaders   = roles(auth.RoleAdmin, auth.RoleSupervisor, auth.RoleFinance, auth.RoleWarehouse, auth.RoleOutlet)
	consReaders   = roles(auth.RoleTechnician, auth.RoleOutlet, auth.RoleSupervisor, auth.RoleAdmin, auth.RoleFinance)
)

var (
	pageQuery  = httpx.PageParams
	periodArgs = []openapi.Param{{Name: "from", Description: "RFC 3339; default 30 days before to"},
		{Name: "to", Description: "RFC 3339, exclusive; default now"}}
)

func q(name, desc string) openapi.Param { return openapi.Param{Name: name, Description: desc} }

func (h *Handler) routes() []route {
	get, post, patch := http.MethodGet, http.MethodPost, http.MethodPatch
	return []route{
		{openapi.Operation{Method: post, Path: "/parts/catalog", Summary: "Add a part to the catalog", Roles: catalogAdmins,
			Request: PartInput{}, Response: Part{}, Status: http.StatusCreated}, h.createPart, false},
		{openapi.Operation{Method: get, Path: "/parts/catalog", Summary: "List the catalog", Roles: staffRoles, Response: httpx.PageResult[Part]{},
			Query: append([]openapi.Param{q("category", ""), q("product", "SKU"), q("active", "true or false")}, pageQuery...)}, h.listParts, true},
		{openapi.Operation{Method: get, Path: "/parts/catalog/:part_no", Summary: "Get a part", Roles: staffRoles, Response: Part{}}, h.getPart, true},
		{openapi.Operation{Method: patch, Path: "/parts/catalog/:part_no", Summary: "Change a part", Roles: catalogAdmins,
			Request: PartUpdate{}, Response: Part{}, Description: "Send the version you read; a stale one answers 409 version_conflict."}, h.updatePart, false},
		{openapi.Operation{Method: post, Path: "/parts/receipts", Summary: "Book goods in at a warehouse", Roles: roles(auth.RoleWarehouse, auth.RoleAdmin),
			Request: ReceiptInput{}, Response: Movement{}, Status: http.StatusCreated}, h.receiveGoods, false},
		{openapi.Operation{Method: post, Path: "/parts/adjustments", Summary: "Correct counted stock of a non-serialised part", Roles: stockAdmins,
			Request: AdjustInput{}, Response: Movement{}, Status: http.StatusCreated}, h.adjust, false},
		{openapi.Operation{Method: get, Path: "/parts/stock", Summary: "Stock levels", Roles: staffRoles, Response: []StockLevel{},
			Query: []openapi.Param{q("location", "kind:id; default all locations you may see"), q("part_no", "")}}, h.stock, true},
		{openapi.Operation{Method: get, Path: "/parts/serials/:part_no/:serial", Summary: "Trace a serial", Roles: staffRoles, Response: SerialTrace{}}, h.serial, false},
		{openapi.Operation{Method: get, Path: "/parts/ledger", Summary: "Stock ledger entries", Roles: staffRoles, Response: httpx.PageResult[LedgerEntry]{},
			Query: append([]openapi.Param{q("location", "required unless you may see every location"), q("part_no", ""), q("ref", ""), q("serial", "")}, pageQuery...)}, h.ledgerList, false},
		{openapi.Operation{Method: get, Path: "/parts/ledger-check", Summary: "Recompute every stock figure from the ledger", Roles: auditors, Response: LedgerCheck{}}, h.ledgerCheck, false},
		{openapi.Operation{Method: post, Path: "/parts/ledger-repair", Summary: "Repair stock operations a crash left pending", Roles: roles(auth.RoleAdmin),
			Response: ReconcileResult{}}, h.ledgerRepair, false},
		{openapi.Operation{Method: post, Path: "/parts/requisitions", Summary: "Request parts from a warehouse", Roles: requesters,
			Request: RequisitionInput{}, Response: Requisition{}, Status: http.StatusCreated}, h.createRequisition, true},
		{openapi.Operation{Method: get, Path: "/parts/requisitions", Summary: "List requisitions", Roles: staffRoles, Response: httpx.PageResult[Requisition]{},
			Query: append([]openapi.Param{{Name: "status", Enum: []string{StatusRequested, StatusApproved, StatusRejected, StatusIssued, StatusReceived, StatusCancelled}},
				q("technician_id", ""), q("order_id", "")}, pageQuery...)}, h.listRequisitions, true},
		{openapi.Operation{Method: get, Path: "/parts/requisitions/:id", Summary: "Get a requisition", Roles: staffRoles, Response: Requisition{}}, h.getRequisition, true},
		{openapi.Operation{Method: post, Path: "/parts/requisitions/:id/approve", Summary: "Approve a requisition within your limit", Roles: approvers,
			Response: Requisition{}}, h.approve, false},
		{openapi.Operation{Method: post, Path: "/parts/requisitions/:id/reject", Summary: "Reject a requisition", Roles: approvers,
			Request: ReasonInput{}, Response: Requisition{}}, h.reject, false},
		{openapi.Operation{Method: post, Path: "/parts/requisitions/:id/issue", Summary: "Issue (reserve) a requisition's parts at the warehouse",
			Roles: roles(auth.RoleWarehouse, auth.RoleAdmin), Request: IssueInput{}, Response: Requisition{},
			Description: "Serialised lines need the picked serials; the body may be omitted otherwise. 409 when the stock is not there."}, h.issue, false},
		{openapi.Operation{Method: post, Path: "/parts/requisitions/:id/receive", Summary: "Confirm receipt: the parts move into the van or outlet",
			Roles: roles(auth.RoleTechnician, auth.RoleOutlet, auth.RoleSupervisor, auth.RoleAdmin), Response: Requisition{}}, h.receive, true},
		{openapi.Operation{Method: post, Path: "/parts/requisitions/:id/cancel", Summary: "Cancel a requisition", Roles: requisitionMachine[ActCancel].roles,
			Request: ReasonInput{}, Response: Requisition{}}, h.cancel, true},
		{openapi.Operation{Method: post, Path: "/parts/transfers", Summary: "Ship stock to another location", Roles: stockRoles,
			Request: TransferInput{}, Response: Transfer{}, Status: http.StatusCreated}, h.createTransfer, true},
		{openapi.Operation{Method: get, Path: "/parts/transfers", Summary: "List transfers", Roles: staffRoles, Response: httpx.PageResult[Transfer]{},
			Query: append([]openapi.Param{{Name: "status", Enum: []string{TransferShipped, TransferReceived, TransferCancelled}}}, pageQuery...)}, h.listTransfers, true},
		{openapi.Operation{Method: get, Path: "/parts/transfers/:id", Summary: "Get a transfer", Roles: staffRoles, Response: Transfer{}}, h.getTransfer, true},
		{openapi.Operation{Method: post, Path: "/parts/transfers/:id/receive", Summary: "Confirm a transfer arrived", Roles: stockRoles, Response: Transfer{}}, h.receiveTransfer, true},
		{openapi.Operation{Method: post, Path: "/parts/transfers/:id/cancel", Summary: "Call a transfer back", Roles: stockRoles, Response: Transfer{}}, h.cancelTransfer, true},
		{openapi.Operation{Method: post, Path: "/parts/consumptions", Summary: "Record a part fitted on a service order", Roles: consumers,
			Request: ConsumeInput{}, Response: Consumption{}, Status: http.StatusCreated,
			Description: "409 when the part or serial is not on hand where it is taken from (for a technician: their van)."}, h.consume, true},
		{openapi.Operation{Method: get, Path: "/parts/consumptions", Summary: "List consumptions", Roles: consReaders, Response: httpx.PageResult[Consumption]{},
			Query: append([]openapi.Param{q("order_id", ""), q("technician_id", ""), q("defective_serial", "")}, pageQuery...)}, h.listConsumptions, true},
		{openapi.Operation{Method: get, Path: "/parts/consumptions/:id", Summary: "Get a consumption", Roles: consReaders, Response: Consumption{}}, h.getConsumption, true},
		{openapi.Operation{Method: post, Path: "/parts/defective-returns", Summary: "Scan a returned defective part in", Roles: stockAdmins,
			Request: ReturnInput{}, Response: DefectiveReturn{}, Status: http.StatusCreated}, h.scanReturn, false},
		{openapi.Operation{Method: get, Path: "/parts/defective-returns", Summary: "List defective returns", Roles: flagReaders,
			Response: httpx.PageResult[DefectiveReturn]{}, Query: append([]openapi.Param{q("unmatched", "true: only serials no consumption replaced")}, pageQuery...)}, h.listReturns, false},
		{openapi.Operation{Method: get, Path: "/parts/flags", Summary: "List parts flags", Roles: flagReaders, Response: httpx.PageResult[Flag]{},
			Query: append([]openapi.Param{{Name: "kind", Enum: FlagKinds()}, q("technician_id", ""), q("outlet_id", ""), q("open", "true or false")}, pageQuery...)}, h.listFlags, false},
		{openapi.Operation{Method: post, Path: "/parts/flags/scan", Summary: "Raise the clock-driven flags now", Roles: catalogAdmins, Response: ScanResult{}}, h.scanFlags, false},
		{openapi.Operation{Method: get, Path: "/parts/reports/technicians", Summary: "Parts activity per technician",
			Roles: roles(auth.RoleAdmin, auth.RoleSupervisor, auth.RoleFinance, auth.RoleOutlet, auth.RoleTechnician), Response: ActivityReport{}, Query: periodArgs}, h.technicianReport, false},
		{openapi.Operation{Method: get, Path: "/parts/reports/outlets", Summary: "Parts activity per outlet",
			Roles: roles(auth.RoleAdmin, auth.RoleSupervisor, auth.RoleFinance, auth.RoleOutlet), Response: ActivityReport{}, Query: periodArgs}, h.outletReport, false},
		{openapi.Operation{Method: get, Path: "/parts/valuation", Summary: "Stock value per location at unit cost", Roles: staffRoles, Response: Valuation{},
			Query: []openapi.Param{q("location", "kind:id")}}, h.valuation, false},
	}
}
