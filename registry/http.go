package registry

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves the registry's staff API.
type Handler struct{ svc *Service }

// NewHandler returns the handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// Who may call what. Every staff role reads products. Customers are read by in-house
// staff (masked where CanSeePhone says so) and searched only by roles that see full
// phone numbers, since a search by phone would unmask one. Outlets are other companies:
// they see the customers of the jobs assigned to them, through those jobs.
var (
	importers        = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleAdmin}
	catalogEditors   = []string{auth.RoleSupervisor, auth.RoleAdmin}
	staff            = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleWarehouse, auth.RoleOutlet, auth.RoleFinance, auth.RoleAdmin}
	customerReaders  = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleWarehouse, auth.RoleFinance, auth.RoleAdmin}
	customerSearch   = phoneRoles
	salesOrderReader = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleWarehouse, auth.RoleFinance, auth.RoleAdmin}
	salesOrderLister = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleFinance, auth.RoleAdmin}
	unitReaders      = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleWarehouse, auth.RoleAdmin}
)

// Page types of the list endpoints.
type (
	CustomerList   = httpx.PageResult[CustomerView]
	ProductList    = httpx.PageResult[ProductView]
	SalesOrderList = httpx.PageResult[SalesOrderView]
)

const tag = "registry"

// Routes registers the endpoints on r, the /api/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	h.customerRoutes(r)
	h.productRoutes(r)
	h.salesOrderRoutes(r)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/units/:serial", Summary: "A unit's warranty and service history",
		Tag: tag, Roles: unitReaders, Audience: auth.AudStaff, Response: UnitView{},
		Description: "in_warranty and days_left are as of now."}, h.getUnit)
}

func (h *Handler) customerRoutes(r *httpx.Router) {
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/customers", Summary: "Create a customer",
		Tag: tag, Roles: importers, Audience: auth.AudStaff, Request: CustomerInput{}, Response: CustomerView{}, Status: http.StatusCreated,
		Description: "A phone number already on file answers 409 naming its customer."}, h.createCustomer)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/customers", Summary: "Search customers",
		Tag: tag, Roles: customerSearch, Audience: auth.AudStaff, Response: CustomerList{},
		Query: append([]openapi.Param{{Name: "phone", Description: "exact; +86 and separators are ignored"},
			{Name: "name", Description: "prefix, case-insensitive"}}, httpx.PageParams...)}, h.searchCustomers)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/customers/:id", Summary: "Get a customer",
		Tag: tag, Roles: customerReaders, Audience: auth.AudStaff, Response: CustomerView{},
		Description: "Phone and email are masked for roles that do not need them (warehouse, finance)."}, h.getCustomer)
	r.Handle(openapi.Operation{Method: http.MethodPatch, Path: "/customers/:id", Summary: "Change a customer",
		Tag: tag, Roles: importers, Audience: auth.AudStaff, Request: UpdateCustomerInput{}, Response: CustomerView{},
		Description: "Send the version you read; a stale version answers 409 version_conflict."}, h.updateCustomer)
}

func (h *Handler) productRoutes(r *httpx.Router) {
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/products", Summary: "Create or change a product",
		Tag: tag, Roles: catalogEditors, Audience: auth.AudStaff, Request: ProductInput{}, Response: ProductView{}, Status: http.StatusCreated,
		Description: "Without version it creates the product (201; 409 when the SKU exists). With the version you read it " +
			"changes the product (200). Units already sold keep the warranty they were sold with."}, h.saveProduct)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/products", Summary: "List products",
		Tag: tag, Roles: staff, Audience: auth.AudStaff, Response: ProductList{},
		Query: append([]openapi.Param{{Name: "category"}}, httpx.PageParams...)}, h.listProducts)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/products/:sku", Summary: "Get a product",
		Tag: tag, Roles: staff, Audience: auth.AudStaff, Response: ProductView{}}, h.getProduct)
}

func (h *Handler) salesOrderRoutes(r *httpx.Router) {
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/sales-orders", Summary: "Import a sales order from the shop",
		Tag: tag, Roles: importers, Audience: auth.AudStaff, Request: SalesOrderInput{}, Response: SalesOrderView{}, Status: http.StatusCreated,
		Description: "Idempotent on (shop, shop_order_no): 201 the first time, then 200 with the stored order. The units of " +
			"delivered lines are registered; a serial that belongs to another sale answers 409."}, h.importSalesOrder)
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/sales-orders/bulk", Summary: "Import up to 500 sales orders",
		Tag: tag, Roles: importers, Audience: auth.AudStaff, Request: []SalesOrderInput{}, Response: BulkResponse{},
		Description: "The body is an array of orders. Each is imported or refused on its own and answered in results."}, h.importSalesOrders)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/sales-orders", Summary: "List sales orders",
		Tag: tag, Roles: salesOrderLister, Audience: auth.AudStaff, Response: SalesOrderList{},
		Query: append([]openapi.Param{{Name: "customer_id"}, {Name: "shop"}}, httpx.PageParams...)}, h.listSalesOrders)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/sales-orders/:id", Summary: "Get a sales order",
		Tag: tag, Roles: salesOrderReader, Audience: auth.AudStaff, Response: SalesOrderView{}}, h.getSalesOrder)
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/sales-orders/:id/deliveries", Summary: "Mark a line delivered",
		Tag: tag, Roles: importers, Audience: auth.AudStaff, Request: DeliveryInput{}, Response: SalesOrderView{},
		Description: "Registers the line's units, their warranty running from delivered_at. The same delivery again " +
			"changes nothing; a different delivery of a delivered line answers 409."}, h.deliverLine)
}

// reply writes v with status, or the error.
func reply(c *gin.Context, status int, v any, err error) {
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(status, v)
}

// created is 201 for something new, 200 for something that already existed.
func created(isNew bool) int {
	if isNew {
		return http.StatusCreated
	}
	return http.StatusOK
}

func (h *Handler) createCustomer(c *gin.Context) {
	var in CustomerInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	p := auth.PrincipalFrom(c)
	cu, err := h.svc.CreateCustomer(c.Request.Context(), p.Actor(), in)
	reply(c, http.StatusCreated, ViewCustomer(cu, p.Role), err)
}

func (h *Handler) searchCustomers(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	list, err := h.svc.SearchCustomers(c.Request.Context(), CustomerQuery{Phone: c.Query("phone"), Name: c.Query("name")}, page)
	out := CustomerList{Items: make([]CustomerView, len(list.Items)), NextCursor: list.NextCursor}
	for i, cu := range list.Items {
		out.Items[i] = ViewCustomer(cu, auth.PrincipalFrom(c).Role)
	}
	reply(c, http.StatusOK, out, err)
}

func (h *Handler) getCustomer(c *gin.Context) {
	cu, err := h.svc.Customer(c.Request.Context(), c.Param("id"))
	reply(c, http.StatusOK, ViewCustomer(cu, auth.PrincipalFrom(c).Role), err)
}

func (h *Handler) updateCustomer(c *gin.Context) {
	var in UpdateCustomerInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	p := auth.PrincipalFrom(c)
	cu, err := h.svc.UpdateCustomer(c.Request.Context(), p.Actor(), c.Param("id"), in)
	reply(c, http.StatusOK, ViewCustomer(cu, p.Role), err)
}

func (h *Handler) saveProduct(c *gin.Context) {
	var in ProductInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	v, isNew, err := h.svc.SaveProduct(c.Request.Context(), auth.PrincipalFrom(c).Actor(), in)
	reply(c, created(isNew), v, err)
}

func (h *Handler) listProducts(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	list, err := h.svc.ListProducts(c.Request.Context(), c.Query("category"), page)
	reply(c, http.StatusOK, list, err)
}

func (h *Handler) getProduct(c *gin.Context) {
	v, err := h.svc.GetProduct(c.Request.Context(), c.Param("sku"))
	reply(c, http.StatusOK, v, err)
}

func (h *Handler) importSalesOrder(c *gin.Context) {
	var in SalesOrderInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	v, isNew, err := h.svc.ImportSalesOrder(c.Request.Context(), auth.PrincipalFrom(c).Actor(), in)
	reply(c, created(isNew), v, err)
}

func (h *Handler) importSalesOrders(c *gin.Context) {
	var raw []json.RawMessage
	if err := httpx.Bind(c, &raw); err != nil {
		httpx.Error(c, err)
		return
	}
	resp, err := h.svc.ImportSalesOrders(c.Request.Context(), auth.PrincipalFrom(c).Actor(), bulkItems(raw))
	reply(c, http.StatusOK, resp, err)
}

// bulkItems decodes each order strictly on its own, so one bad order is reported
// against itself. Its shop and number are read leniently, to label the answer.
func bulkItems(raw []json.RawMessage) []BulkItem {
	items := make([]BulkItem, len(raw))
	for i, r := range raw {
		var label struct {
			Shop        string `json:"shop"`
			ShopOrderNo string `json:"shop_order_no"`
		}
		_ = json.Unmarshal(r, &label)
		items[i].Shop, items[i].ShopOrderNo = label.Shop, label.ShopOrderNo
		items[i].Err = httpx.Decode(r, &items[i].Input)
	}
	return items
}

func (h *Handler) listSalesOrders(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	q := SalesOrderQuery{CustomerID: c.Query("customer_id"), Shop: c.Query("shop")}
	list, err := h.svc.ListSalesOrders(c.Request.Context(), q, page)
	reply(c, http.StatusOK, list, err)
}

func (h *Handler) getSalesOrder(c *gin.Context) {
	v, err := h.svc.GetSalesOrder(c.Request.Context(), c.Param("id"))
	reply(c, http.StatusOK, v, err)
}

func (h *Handler) deliverLine(c *gin.Context) {
	var in DeliveryInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	v, err := h.svc.DeliverLine(c.Request.Context(), auth.PrincipalFrom(c).Actor(), c.Param("id"), in)
	reply(c, http.StatusOK, v, err)
}

func (h *Handler) getUnit(c *gin.Context) {
	v, err := h.svc.DescribeUnit(c.Request.Context(), c.Param("serial"))
	reply(c, http.StatusOK, v, err)
}
