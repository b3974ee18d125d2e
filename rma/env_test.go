package rma_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/webhook"
	"github.com/aftersales/aftersales/registry"
	"github.com/aftersales/aftersales/rma"
)

// env is one test's system: the real registry, complaints, dispatch and RMA services
// wired into the apitest harness as cmd/server wires them, a customer who bought two
// air conditioners (serialised) and three cables (not), and two warehouses with a user each.
type env struct {
	*apitest.Env
	t          *testing.T
	svc        *rma.Service
	cases      *complaints.Service
	network    *dispatch.Service
	agent      staffer
	supervisor staffer
	finance    staffer
	customer   string // customer id, in Shanghai
	order      string // sales order: line 1 AC-100 ×2 (SN-AC-1, SN-AC-2), line 2 CBL-1 ×3
	near, far  string // warehouse ids: Shanghai and Beijing
	nearStaff  staffer
	farStaff   staffer
	hooks      *hooks // what the near warehouse's system received
	relay      *aggregate.Relay
}

type options struct {
	policy rma.Policy
	queue  bool // events are also queued in Redis through a relay, as in the server
}

func newEnv(t *testing.T) *env { return newEnvWith(t, options{}) }

func newEnvWith(t *testing.T, o options) *env {
	t.Helper()
	e := &env{Env: apitest.New(t), t: t}
	reg := e.wireNeighbours()
	e.wireRMA(o, reg)
	e.agent = e.staff(auth.CreateUserInput{Role: auth.RoleAgent, Tier: auth.TierL1})
	e.supervisor = e.staff(auth.CreateUserInput{Role: auth.RoleSupervisor})
	e.finance = e.staff(auth.CreateUserInput{Role: auth.RoleFinance})
	e.seed()
	e.RunDue() // the setup's own events
	return e
}

// wireNeighbours wires the real registry, complaints and dispatch services.
func (e *env) wireNeighbours() *registry.Service {
	t, ctx := e.t, context.Background()
	reg, err := registry.NewService(registry.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	require.NoError(t, reg.EnsureIndexes(ctx))
	reg.Register(e.Mux)
	registry.NewHandler(reg).Routes(e.API)
	e.Watch(registry.Collections()...)

	e.cases, err = complaints.NewService(complaints.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Directory: reg, Users: e.Auth})
	require.NoError(t, err)
	require.NoError(t, e.cases.EnsureIndexes(ctx))
	e.cases.Register(e.Mux)
	complaints.NewHandler(e.cases).Routes(e.API)
	e.Watch(complaints.Collections()...)

	e.network, err = dispatch.NewService(dispatch.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	require.NoError(t, e.network.EnsureIndexes(ctx))
	require.NoError(t, e.network.Refresh(ctx))
	e.network.Register(e.Mux)
	dispatch.NewHandler(e.network).Routes(e.API)
	e.Watch(dispatch.Collections()...)
	e.hooks = newHooks(t, e.Clock)
	e.Mux.Handle(webhook.TypeDeliver, webhook.NewSender(e.network, nil, e.Clock))
	return reg
}

// wireRMA wires the RMA service as cmd/server does, with a relay when o.queue.
func (e *env) wireRMA(o options, reg *registry.Service) {
	t, ctx := e.t, context.Background()
	var pub aggregate.Publisher
	if o.queue {
		client := asynq.NewClient(e.Env.Redis.Conn)
		t.Cleanup(func() { _ = client.Close() })
		e.relay = aggregate.NewRelay(client, e.Clock, e.Log)
		pub = e.relay
	}
	var err error
	e.svc, err = rma.NewService(rma.Deps{DB: e.DB, Publisher: pub, Clock: e.Clock, Log: e.Log,
		Directory: reg, Cases: e.cases, Router: e.network, Policy: o.policy})
	require.NoError(t, err)
	require.NoError(t, e.svc.EnsureIndexes(ctx))
	require.NoError(t, e.svc.EnsureIndexes(ctx), "ensuring indexes again at the next start is a no-op")
	e.svc.Register(e.Mux)
	rma.NewHandler(e.svc).Routes(e.API)
	e.Watch(rma.Collections()...)
}

// staffer is a user whose token is issued when used: tests move the clock by days.
type staffer struct {
	e *env
	u auth.User
}

func (e *env) staff(in auth.CreateUserInput) staffer {
	_, u := e.User(in)
	return staffer{e: e, u: u}
}

func (s staffer) tok() string { return s.e.Login(s.u) }

func authAdmin() auth.CreateUserInput { return auth.CreateUserInput{Role: auth.RoleAdmin} }

func (e *env) seed() {
	admin := e.staff(authAdmin()).tok()
	for _, p := range []map[string]any{
		{"sku": "AC-100", "name": "Air conditioner 100", "brand": "Acme", "category": "air_conditioner", "warranty_months": 24},
		{"sku": "CBL-1", "name": "Cable", "brand": "Acme", "category": "accessories", "warranty_months": 6},
	} {
		e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/products", admin, p))
	}
	e.customer = e.newCustomer("Zhang San", "13812345678", 31.23, 121.47)
	e.order = e.sell(e.customer, "T-1", "2026-02-27T02:00:00Z",
		saleLine(1, "AC-100", 2, "SN-AC-1", "SN-AC-2"), saleLine(2, "CBL-1", 3))
	e.near = e.warehouse(admin, map[string]any{"name": "Shanghai returns", "lat": 31.10, "lon": 121.40,
		"webhook_url": e.hooks.srv.URL, "webhook_secret": hookSecret})
	e.far = e.warehouse(admin, map[string]any{"name": "Beijing returns", "lat": 39.90, "lon": 116.40})
	e.nearStaff = e.staff(auth.CreateUserInput{Role: auth.RoleWarehouse, WarehouseID: e.near})
	e.farStaff = e.staff(auth.CreateUserInput{Role: auth.RoleWarehouse, WarehouseID: e.far})
}

func (e *env) newCustomer(name, phone string, lat, lon float64) string {
	r := e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/customers", e.agent.tok(), map[string]any{
		"name": name, "phone": phone,
		"addresses": []map[string]any{{"line": "1 Nanjing Rd", "city": "Shanghai", "province": "Shanghai", "lat": lat, "lon": lon}}}))
	return r.Map(e.t)["id"].(string)
}

func saleLine(no int, sku string, qty int, serials ...string) map[string]any {
	return map[string]any{"line_no": no, "sku": sku, "qty": qty, "unit_price": 299900, "serials": serials}
}

// sell imports an order of customerID whose lines were all delivered at deliveredAt.
func (e *env) sell(customerID, no, deliveredAt string, lines ...map[string]any) string {
	for _, l := range lines {
		l["delivered_at"] = deliveredAt
	}
	r := e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/sales-orders", e.agent.tok(), map[string]any{
		"shop": "tmall", "shop_order_no": no, "customer_id": customerID, "ordered_at": "2026-02-20T00:00:00Z",
		"currency": "CNY", "lines": lines}))
	return r.Map(e.t)["id"].(string)
}

// warehouse creates a warehouse of the fields given; it takes air conditioners and
// accessories unless categories are given, and has no webhook unless one is given.
func (e *env) warehouse(admin string, fields map[string]any) string {
	body := map[string]any{"address": "9 Depot Road", "categories": []string{"air_conditioner", "accessories"},
		"receiving_capacity": 50}
	for k, v := range fields {
		body[k] = v
	}
	r := e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/network/warehouses", admin, body))
	return r.Map(e.t)["id"].(string)
}

func (e *env) must(code int, r *apitest.Response) *apitest.Response {
	e.t.Helper()
	require.Equal(e.t, code, r.Code, r.String())
	return r
}

// line is an RMA line input for order line no.
func line(order string, no, qty int, serials ...string) map[string]any {
	l := map[string]any{"sales_order_id": order, "order_line_no": no, "qty": qty, "condition": "opened"}
	if len(serials) > 0 {
		l["serials"] = serials
	}
	return l
}

// body is an RMA request of type typ for lines.
func (e *env) body(typ, reason string, lines ...map[string]any) map[string]any {
	return map[string]any{"type": typ, "customer_id": e.customer, "reason_code": reason,
		"reason": "customer asked", "lines": lines}
}

// open creates an RMA as the agent and returns it.
func (e *env) open(body map[string]any) rma.View {
	e.t.Helper()
	var v rma.View
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/rmas", e.agent.tok(), body)).JSON(e.t, &v)
	return v
}

// post runs an action on an RMA.
func (e *env) post(who staffer, path string, body any) *apitest.Response {
	return e.Do(http.MethodPost, "/api/v1/"+path, who.tok(), body)
}

// act runs an action that must succeed and returns the RMA after it.
func (e *env) act(who staffer, path string, body any) rma.View {
	e.t.Helper()
	var v rma.View
	e.must(http.StatusOK, e.post(who, path, body)).JSON(e.t, &v)
	return v
}

func (e *env) get(id string) rma.View {
	e.t.Helper()
	var v rma.View
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/rmas/"+id, e.supervisor.tok(), nil)).JSON(e.t, &v)
	return v
}

// received opens an RMA, approves and routes it to the near warehouse, and records the
// receipt; it returns the RMA after the receipt.
func (e *env) routed(body map[string]any) rma.View {
	e.t.Helper()
	v := e.open(body)
	e.act(e.agent, "rmas/"+v.ID+"/approve", nil)
	e.RunDue()
	v = e.get(v.ID)
	require.Equal(e.t, e.near, v.WarehouseID, "routed to the nearest warehouse")
	return v
}

func actions(v rma.View) []string {
	var out []string
	for _, h := range v.History {
		out = append(out, h.Action)
	}
	return out
}

func count(of string, in []string) int {
	n := 0
	for _, s := range in {
		if s == of {
			n++
		}
	}
	return n
}

func details(t *testing.T, r *apitest.Response, code string) map[string]string {
	t.Helper()
	var b struct {
		Code    string            `json:"code"`
		Details map[string]string `json:"details"`
	}
	r.JSON(t, &b)
	require.Equal(t, code, b.Code, r.String())
	return b.Details
}

// claimed reads how many units of an order line RMAs hold.
func (e *env) claimed(order string, line int) int {
	e.t.Helper()
	var d struct {
		Claimed int `bson:"claimed"`
	}
	err := e.DB.Collection(rma.ClaimsCollection).FindByID(context.Background(), order+"#"+itoa(line), &d)
	if err != nil {
		return 0
	}
	return d.Claimed
}

func itoa(n int) string { return string(rune('0' + n)) }
