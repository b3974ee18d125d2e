package mobileapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/mobileapi"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
	"github.com/aftersales/aftersales/registry"
)

// env is one test's system: the real registry, complaints, dispatch and orders services
// and the mobile API wired into the apitest harness, an in-house team with two
// technicians, a customer with an air conditioner, and staff.
type env struct {
	*apitest.Env
	t          testing.TB
	reg        *registry.Service
	dsp        *dispatch.Service
	ord        *orders.Service
	svc        *mobileapi.Service
	parts      *recordedParts
	completed  atomic.Int32 // orders:completed events delivered
	admin      auth.Principal
	agent      auth.Principal
	dispatcher auth.Principal
	customer   string
	other      string
	a, b       tech
}

// tech is a technician user; tokens are issued when used, since tests move the clock
// past an access token's 15 minutes.
type tech struct {
	e  *env
	u  auth.User
	id string
}

func (t tech) tok() string { return t.e.Login(t.u) }

// People's Square, Shanghai: the customers' homes.
const homeLat, homeLon = 31.2304, 121.4737

// north is a point km north of the customers' homes.
func north(km float64) (float64, float64) { return homeLat + km/111.195, homeLon }

func newEnv(t testing.TB) *env { return newEnvWith(t, mobileapi.Config{}) }

func newEnvWith(t testing.TB, cfg mobileapi.Config) *env { return build(t, cfg, nil) }

// build wires the system; withParts, when set, returns the parts service completion
// uses instead of the recording stand-in.
func build(t testing.TB, cfg mobileapi.Config, withParts func(e *env) mobileapi.Parts) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{Env: apitest.New(t), t: t, parts: &recordedParts{}}
	var err error
	e.reg, err = registry.NewService(registry.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	cmp, err := complaints.NewService(complaints.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Directory: e.reg, Users: e.Auth})
	require.NoError(t, err)
	e.dsp, err = dispatch.NewService(dispatch.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	e.ord, err = orders.NewService(orders.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Directory: e.reg, Complaints: cmp, Dispatch: e.dsp})
	require.NoError(t, err)
	idem := httpx.NewIdempotencyStore(e.DB, httpx.IdempotencyOptions{Clock: e.Clock})
	var consumer mobileapi.Parts = e.parts
	if withParts != nil {
		consumer = withParts(e)
	}
	e.svc, err = mobileapi.NewService(mobileapi.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Orders: e.ord, Parts: consumer,
		Sessions: e.Auth, Idempotency: idem, Config: cfg})
	require.NoError(t, err)
	for _, ensure := range []func(context.Context) error{e.reg.EnsureIndexes, cmp.EnsureIndexes, e.dsp.EnsureIndexes,
		e.dsp.Refresh, e.ord.EnsureIndexes, e.svc.EnsureIndexes} {
		require.NoError(t, ensure(ctx))
	}
	e.reg.Register(e.Mux)
	cmp.Register(e.Mux)
	e.dsp.Register(e.Mux)
	e.ord.Register(e.Mux)
	// fees and parts react to completion in the server; here the event is kept
	e.Mux.HandleFunc(orders.TypeCompleted, func(_ context.Context, task *asynq.Task) error {
		e.completed.Add(1)
		return nil
	})
	e.Watch(registry.Collections()...)
	e.Watch(complaints.Collections()...)
	e.Watch(dispatch.Collections()...)
	e.Watch(orders.Collections()...)
	orders.NewHandler(e.ord).Routes(e.API)
	mobileapi.NewHandler(e.svc).Routes(e.Root.Group("/mobile/v1"))
	e.admin, e.agent, e.dispatcher = e.staff(auth.RoleAdmin), e.staff(auth.RoleAgent), e.staff(auth.RoleDispatcher)
	e.seed()
	return e
}

func (e *env) staff(role string) auth.Principal {
	_, u := e.User(auth.CreateUserInput{Role: role})
	return auth.Principal{UserID: u.ID, Role: u.Role}
}

func ptr[T any](v T) *T { return &v }

func (e *env) seed() {
	ctx := context.Background()
	_, _, err := e.reg.SaveProduct(ctx, aggregate.System, registry.ProductInput{SKU: "AC-100", Name: "Air conditioner 100",
		Brand: "Gree", Category: "air_conditioner", WarrantyMonths: ptr(24), SkillsNeeded: []string{"ac_repair"}})
	require.NoError(e.t, err)
	e.customer = e.newCustomer("Zhang San", "13812345678", "SN-AC-1")
	e.other = e.newCustomer("Li Si", "13987654321", "SN-AC-2")
	lat, lon := north(0)
	team, err := e.dsp.CreateOutlet(ctx, e.admin, dispatch.OutletInput{Name: "team", Kind: dispatch.KindInHouse,
		Address: "1 Test Road", Lat: &lat, Lon: &lon, ServiceRadiusKm: 30, Categories: []string{"air_conditioner"},
		Brands: []string{"gree"}, Skills: []string{"ac_repair"}, CapacityPerDay: 50, LabourRate: ptr(int64(8000)),
		TravelRatePerKm: ptr(int64(200))})
	require.NoError(e.t, err)
	e.a, e.b = e.technician(team.ID, 1), e.technician(team.ID, 5)
	e.RunDue()
}

func (e *env) newCustomer(name, phone, serial string) string {
	ctx := context.Background()
	c, err := e.reg.CreateCustomer(ctx, aggregate.System, registry.CustomerInput{Name: name, Phone: phone,
		Addresses: []registry.AddressInput{{Label: "home", Line: "1 Nanjing Rd", City: "Shanghai", Province: "Shanghai",
			Lat: ptr(homeLat), Lon: ptr(homeLon)}}})
	require.NoError(e.t, err)
	_, _, err = e.reg.ImportSalesOrder(ctx, aggregate.System, registry.SalesOrderInput{Shop: "tmall", ShopOrderNo: "T-" + serial,
		CustomerID: c.ID, OrderedAt: "2026-02-01T00:00:00Z", Currency: "CNY", Lines: []registry.SalesLineInput{
			{LineNo: 1, SKU: "AC-100", Qty: 1, UnitPrice: ptr(int64(299900)), Serials: []string{serial}, DeliveredAt: "2026-02-03T00:00:00Z"}}})
	require.NoError(e.t, err)
	return c.ID
}

func (e *env) technician(outletID string, km float64) tech {
	lat, lon := north(km)
	v, err := e.dsp.CreateTechnician(context.Background(), e.admin, dispatch.TechnicianInput{OutletID: outletID,
		Name: "Wang Wei", Phone: "1380013800" + fmt.Sprint(int(km)), Skills: []string{"ac_repair"}, Lat: &lat, Lon: &lon, DailyCapacity: 8})
	require.NoError(e.t, err)
	_, u := e.User(auth.CreateUserInput{Role: auth.RoleTechnician, OutletID: outletID, TechnicianID: v.ID})
	return tech{e: e, u: u, id: v.ID}
}

// order creates an order for customer's unit serial and lets the engine offer it (to
// technician a, the nearest).
func (e *env) order(customer, serial string) *orders.ServiceOrder {
	e.t.Helper()
	o, err := e.ord.Create(context.Background(), e.agent, orders.CreateInput{Type: orders.TypeRepair, CustomerID: customer, Serial: serial})
	require.NoError(e.t, err)
	e.RunDue()
	o, err = e.ord.Order(context.Background(), o.ID)
	require.NoError(e.t, err)
	return o
}

// jobFor returns an order assigned to t by a dispatcher (status accepted).
func (e *env) jobFor(t tech, customer, serial string) string {
	e.t.Helper()
	o := e.order(customer, serial)
	_, err := e.ord.Assign(context.Background(), e.dispatcher, o.ID, orders.AssignInput{TechnicianID: t.id, Reason: "test"})
	require.NoError(e.t, err)
	e.RunDue()
	return o.ID
}

func (e *env) must(code int, r *apitest.Response) *apitest.Response {
	e.t.Helper()
	require.Equal(e.t, code, r.Code, r.String())
	return r
}

// at is the device's report of a position km north of the customers' homes.
func (e *env) at(km float64, accuracy float64) map[string]any {
	lat, lon := north(km)
	return map[string]any{"lat": lat, "lon": lon, "accuracy_m": accuracy, "device_time": e.Clock.Now().Format(time.RFC3339)}
}

func (e *env) status(id string) string {
	o, err := e.ord.Order(context.Background(), id)
	require.NoError(e.t, err)
	return o.Status
}

// recordedParts stands for the parts domain at completion: it keeps what it is asked
// to consume and refuses part numbers it has no stock of.
type recordedParts struct {
	mu  sync.Mutex
	got []parts.ConsumeInput
}

func (r *recordedParts) Consume(_ context.Context, _ auth.Principal, in parts.ConsumeInput) (parts.Consumption, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if in.PartNo == "NO-STOCK" {
		return parts.Consumption{}, apperr.Conflict("not enough %s in your van", in.PartNo)
	}
	r.got = append(r.got, in)
	return parts.Consumption{ID: fmt.Sprintf("CON-%d", len(r.got)), OrderID: in.OrderID}, nil
}

func (r *recordedParts) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

type apiResponse = apitest.Response
