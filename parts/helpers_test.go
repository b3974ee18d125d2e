package parts

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/queue"
)

// testOrders is the orders domain's lookup, over a map: another domain's answer, not a
// database of ours.
type testOrders struct {
	mu sync.Mutex
	m  map[string]OrderInfo
}

func (o *testOrders) OrderForParts(_ context.Context, id string) (OrderInfo, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	info, ok := o.m[id]
	if !ok {
		return OrderInfo{}, apperr.NotFound("order")
	}
	return info, nil
}

func (o *testOrders) add(info OrderInfo) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.m[info.ID] = info
}

// testNetwork is the service network's answers: which locations exist and which
// outlet each technician works for.
type testNetwork map[string]string // "kind:id" → outlet of a technician ("" for others)

func (n testNetwork) Exists(_ context.Context, kind, id string) (bool, error) {
	_, ok := n[kind+":"+id]
	return ok, nil
}

func (n testNetwork) OutletOf(_ context.Context, technicianID string) (string, error) {
	out, ok := n["van:"+technicianID]
	if !ok {
		return "", apperr.NotFound("technician")
	}
	return out, nil
}

var network = testNetwork{
	"warehouse:WH-1": "", "warehouse:WH-2": "", "outlet:OUT-1": "", "outlet:OUT-2": "",
	"van:TEC-1": "OUT-1", "van:TEC-2": "OUT-1", "van:TEC-3": "OUT-2",
}

// Principals for service-level tests.
var (
	admin      = auth.Principal{UserID: "USR-admin", Role: auth.RoleAdmin}
	supervisor = auth.Principal{UserID: "USR-sup", Role: auth.RoleSupervisor}
	wh1        = auth.Principal{UserID: "USR-wh1", Role: auth.RoleWarehouse, WarehouseID: "WH-1"}
	wh2        = auth.Principal{UserID: "USR-wh2", Role: auth.RoleWarehouse, WarehouseID: "WH-2"}
	tec1       = auth.Principal{UserID: "USR-tec1", Role: auth.RoleTechnician, TechnicianID: "TEC-1", OutletID: "OUT-1"}
	tec2       = auth.Principal{UserID: "USR-tec2", Role: auth.RoleTechnician, TechnicianID: "TEC-2", OutletID: "OUT-1"}
	tec3       = auth.Principal{UserID: "USR-tec3", Role: auth.RoleTechnician, TechnicianID: "TEC-3", OutletID: "OUT-2"}
	out1       = auth.Principal{UserID: "USR-out1", Role: auth.RoleOutlet, OutletID: "OUT-1"}
	finance    = auth.Principal{UserID: "USR-fin", Role: auth.RoleFinance}
)

// Catalog fixtures.
const (
	fan  = "FAN-01"  // non-serialised, no return
	pcb  = "PCB-01"  // serialised, defective must come back
	hose = "HOSE-01" // non-serialised, defective must come back
)

type env struct {
	*apitest.Env
	svc     *Service
	orders  *testOrders
	touched chan map[string]any // unit history events delivered
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{Env: apitest.New(t), orders: &testOrders{m: map[string]OrderInfo{}}, touched: make(chan map[string]any, 100)}
	svc, err := NewService(Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Locations: network, Technicians: network, Orders: e.orders,
		UnitHistory: func(serial, kind, ref, summary string, at time.Time) aggregate.Event {
			return aggregate.NewEvent("test:unit_touched", queue.Default, map[string]any{"serial": serial, "kind": kind, "ref": ref, "summary": summary})
		}})
	require.NoError(t, err)
	e.svc = svc
	require.NoError(t, svc.EnsureIndexes(context.Background()))
	svc.Register(e.Mux)
	e.Mux.HandleFunc("test:unit_touched", func(_ context.Context, task *asynq.Task) error {
		env, err := aggregate.EnvelopeOf(task)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(env.Data, &m))
		e.touched <- m
		return nil
	})
	e.Watch(Collections()...)
	h := NewHandler(svc)
	h.Routes(e.API)
	h.MobileRoutes(e.Root.Group("/mobile/v1"))
	e.seedCatalog(t)
	e.orders.add(OrderInfo{ID: "SO-1", TechnicianID: "TEC-1", OutletID: "OUT-1", UnitSerial: "UNIT-1", Category: "washing_machine", InWarranty: true})
	e.orders.add(OrderInfo{ID: "SO-2", TechnicianID: "TEC-1", OutletID: "OUT-1", UnitSerial: "UNIT-2", Category: "washing_machine"})
	e.orders.add(OrderInfo{ID: "SO-3", TechnicianID: "TEC-2", OutletID: "OUT-1", UnitSerial: "UNIT-3", Category: "washing_machine", InWarranty: true})
	return e
}

func (e *env) seedCatalog(t testing.TB) {
	for _, in := range []PartInput{
		{PartNo: fan, Name: "Drum fan", UnitCost: 1500, ListPrice: 2500, CompatibleCategories: []string{"Washing Machine"}},
		{PartNo: pcb, Name: "Control board", Serialised: true, ReturnDefective: true, UnitCost: 30000, ListPrice: 45000},
		{PartNo: hose, Name: "Drain hose", ReturnDefective: true, UnitCost: 800, ListPrice: 1200},
	} {
		_, err := e.svc.CreatePart(context.Background(), admin, in)
		require.NoError(t, err)
	}
}

var bg = context.Background()

// goodsIn books qty of a non-serialised part, or the serials of a serialised one, into wh.
func (e *env) goodsIn(t testing.TB, warehouse, partNo string, qty int64, serials ...string) {
	t.Helper()
	_, err := e.svc.ReceiveGoods(bg, admin, ReceiptInput{WarehouseID: warehouse, PartNo: partNo, Qty: qty, Serials: serials, Ref: "PO-1"})
	require.NoError(t, err)
}

// approved creates and approves a requisition of p from WH-1.
func (e *env) approved(t testing.TB, p auth.Principal, lines ...LineInput) Requisition {
	t.Helper()
	r, err := e.svc.CreateRequisition(bg, p, RequisitionInput{FromWarehouse: "WH-1", Lines: lines})
	require.NoError(t, err)
	r, err = e.svc.Approve(bg, wh1, r.ID)
	require.NoError(t, err)
	return r
}

// inVan puts parts into p's van through the whole requisition flow.
func (e *env) inVan(t testing.TB, p auth.Principal, partNo string, qty int64, serials ...string) Requisition {
	t.Helper()
	if len(serials) > 0 {
		qty = int64(len(serials))
	}
	r := e.approved(t, p, LineInput{PartNo: partNo, Qty: qty})
	var in IssueInput
	if len(serials) > 0 {
		in.Lines = []IssueLine{{PartNo: partNo, Serials: serials}}
	}
	_, err := e.svc.Issue(bg, wh1, r.ID, in)
	require.NoError(t, err)
	r, err = e.svc.Receive(bg, p, r.ID)
	require.NoError(t, err)
	return r
}

// level is the stock of partNo at location: on hand, reserved.
func (e *env) level(t testing.TB, location, partNo string) (int64, int64) {
	t.Helper()
	levels, err := e.svc.Stock(bg, admin, location, partNo)
	require.NoError(t, err)
	if len(levels) == 0 {
		return 0, 0
	}
	return levels[0].OnHand, levels[0].Reserved
}

// checkLedger asserts that every stock figure equals its recomputation from the ledger.
func (e *env) checkLedger(t testing.TB) LedgerCheck {
	t.Helper()
	c, err := e.svc.CheckLedger(bg)
	require.NoError(t, err)
	require.True(t, c.OK, "ledger mismatches: %+v", c.Mismatches)
	return c
}

func (e *env) count(coll string, filter bson.D) int64 {
	n, err := e.DB.Collection(coll).Count(bg, filter)
	require.NoError(e.T, err)
	return n
}

// tech returns a mobile token for a technician bound to id and outlet.
func (e *env) tech(id, outlet string) string {
	tok, _ := e.User(auth.CreateUserInput{Role: auth.RoleTechnician, TechnicianID: id, OutletID: outlet})
	return tok
}

func (e *env) warehouse(id string) string {
	tok, _ := e.User(auth.CreateUserInput{Role: auth.RoleWarehouse, WarehouseID: id})
	return tok
}

func (e *env) outlet(id string) string {
	tok, _ := e.User(auth.CreateUserInput{Role: auth.RoleOutlet, OutletID: id})
	return tok
}

func errBody(t testing.TB, r *apitest.Response) apperr.Error {
	t.Helper()
	var b apperr.Error
	r.JSON(t, &b)
	return b
}

func requireStatus(t testing.TB, r *apitest.Response, status int) {
	t.Helper()
	require.Equal(t, status, r.Code, r.String())
}

var _ = http.StatusOK

var firstPage = httpx.Page{Limit: 50}
