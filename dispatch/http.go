package dispatch

import (
	"net/http"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves the network management API and the dispatch preview.
type Handler struct{ svc *Service }

// NewHandler returns the handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

// List responses.
type (
	WarehouseList  = httpx.PageResult[WarehouseView]
	OutletList     = httpx.PageResult[OutletView]
	TechnicianList = httpx.PageResult[TechnicianView]
)

// ReturnRoute is the warehouse a return goes to.
type ReturnRoute struct {
	WarehouseID string  `json:"warehouse_id"`
	Name        string  `json:"name"`
	Address     string  `json:"address"`
	DistanceKm  float64 `json:"distance_km" doc:"straight line from the customer"`
}

// Routes registers the endpoints on r, the /api/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	h.warehouseRoutes(r)
	h.outletRoutes(r)
	h.technicianRoutes(r)
	r.Handle(op(http.MethodGet, "/network/index", "State of the dispatch index in this process", networkManagers,
		nil, IndexStats{}), h.indexStats)
	r.Handle(op(http.MethodPost, "/dispatch/preview", "Run the assignment engine on a job without assigning it",
		networkManagers, PreviewRequest{}, PreviewResponse{}), withBody(http.StatusOK, h.svc.Preview))
	returnOp := op(http.MethodGet, "/dispatch/return-warehouse", "The warehouse a return would be routed to",
		[]string{auth.RoleAdmin, auth.RoleDispatcher, auth.RoleSupervisor, auth.RoleAgent}, nil, ReturnRoute{})
	returnOp.Query = []openapi.Param{{Name: "category"}, {Name: "lat", Type: "number"}, {Name: "lon", Type: "number"}}
	r.Handle(returnOp, h.returnWarehouse)
}

var outletReaders = []string{auth.RoleAdmin, auth.RoleDispatcher, auth.RoleOutlet}

func (h *Handler) warehouseRoutes(r *httpx.Router) {
	list := op(http.MethodGet, "/network/warehouses", "List warehouses", networkManagers, nil, WarehouseList{})
	list.Query = append([]openapi.Param{{Name: "active", Type: "boolean"}, {Name: "category"}}, httpx.PageParams...)
	r.Handle(created(op(http.MethodPost, "/network/warehouses", "Create a warehouse", networkManagers, WarehouseInput{}, WarehouseView{})),
		withBody(http.StatusCreated, h.svc.CreateWarehouse))
	r.Handle(list, h.listWarehouses)
	r.Handle(op(http.MethodGet, "/network/warehouses/:id", "Get a warehouse with its history", networkManagers, nil, WarehouseView{}),
		byID(h.svc.GetWarehouse))
	r.Handle(versioned(op(http.MethodPatch, "/network/warehouses/:id", "Change a warehouse", networkManagers, WarehousePatch{}, WarehouseView{})),
		withIDBody(h.svc.UpdateWarehouse))
}

func (h *Handler) outletRoutes(r *httpx.Router) {
	list := op(http.MethodGet, "/network/outlets", "List outlets (an outlet manager sees their own)", outletReaders, nil, OutletList{})
	list.Query = append([]openapi.Param{{Name: "kind", Enum: []string{KindInHouse, KindOutsourced}},
		{Name: "suspended", Type: "boolean"}, {Name: "category"}, {Name: "brand"}}, httpx.PageParams...)
	r.Handle(created(op(http.MethodPost, "/network/outlets", "Create an outlet", networkManagers, OutletInput{}, OutletView{})),
		withBody(http.StatusCreated, h.svc.CreateOutlet))
	r.Handle(list, h.listOutlets)
	r.Handle(op(http.MethodGet, "/network/outlets/:id", "Get an outlet with its history", outletReaders, nil, OutletView{}),
		byID(h.svc.GetOutlet))
	r.Handle(versioned(op(http.MethodPatch, "/network/outlets/:id", "Change an outlet", networkManagers, OutletPatch{}, OutletView{})),
		withIDBody(h.svc.UpdateOutlet))
	for _, name := range []string{Suspend, Unsuspend} {
		r.Handle(versioned(op(http.MethodPost, "/network/outlets/:id/"+name, transitionSummary[name], networkManagers,
			TransitionInput{}, OutletView{})), withIDBody(outletTransition(h.svc, name)))
	}
}

func (h *Handler) technicianRoutes(r *httpx.Router) {
	list := op(http.MethodGet, "/network/technicians", "List technicians (an outlet manager sees their outlet's)", outletReaders, nil, TechnicianList{})
	list.Query = append([]openapi.Param{{Name: "outlet_id"}, {Name: "active", Type: "boolean"}, {Name: "skill"}}, httpx.PageParams...)
	r.Handle(created(op(http.MethodPost, "/network/technicians", "Create a technician", networkManagers, TechnicianInput{}, TechnicianView{})),
		withBody(http.StatusCreated, h.svc.CreateTechnician))
	r.Handle(list, h.listTechnicians)
	r.Handle(op(http.MethodGet, "/network/technicians/:id", "Get a technician with their history", outletReaders, nil, TechnicianView{}),
		byID(h.svc.GetTechnician))
	r.Handle(versioned(op(http.MethodPatch, "/network/technicians/:id", "Change a technician (outlet managers: skills and working_hours only)",
		outletReaders, TechnicianPatch{}, TechnicianView{})), withIDBody(h.svc.UpdateTechnician))
	for _, name := range []string{Activate, Deactivate} {
		r.Handle(versioned(op(http.MethodPost, "/network/technicians/:id/"+name, transitionSummary[name], outletReaders,
			TransitionInput{}, TechnicianView{})), withIDBody(technicianTransition(h.svc, name)))
	}
}

var transitionSummary = map[string]string{
	Suspend:    "Suspend an outlet: it and its technicians stop receiving work",
	Unsuspend:  "Lift an outlet's suspension",
	Deactivate: "Deactivate a technician: they stop receiving work",
	Activate:   "Activate a technician",
}

func op(method, path, summary string, roles []string, req, resp any) openapi.Operation {
	return openapi.Operation{Method: method, Path: path, Summary: summary, Tag: "dispatch", Roles: roles,
		Audience: auth.AudStaff, Request: req, Response: resp}
}

func created(o openapi.Operation) openapi.Operation {
	o.Status = http.StatusCreated
	return o
}

func versioned(o openapi.Operation) openapi.Operation {
	o.Description = "Send the version you read; a stale version answers 409 version_conflict."
	return o
}
