package orders_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/webhook"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/registry"
)

// env is one test's system: the real registry, complaints, dispatch and orders services
// wired into the apitest harness as cmd/server wires them, a webhook receiver standing
// for the outlets' systems, a customer who owns units, and staff.
type env struct {
	*apitest.Env
	t          *testing.T
	reg        *registry.Service
	cmp        *complaints.Service
	dsp        *dispatch.Service
	svc        *orders.Service
	hooks      *receiver
	done       *completions
	admin      person
	dispatcher person
	agent      person
	customer   string // owns acSerial and wmSerial
	other      string // another customer, owns otherSerial
}

const (
	acSerial    = "SN-AC-1" // an air conditioner: the network covers it
	wmSerial    = "SN-WM-1" // a washer: nobody is authorised for it
	otherSerial = "SN-LI-1"
	hookSecret  = "outlet-webhook-secret"
)

// People's Square, Shanghai: the customer's home.
const homeLat, homeLon = 31.2304, 121.4737

func north(km float64) (float64, float64) { return homeLat + km/111.195, homeLon }

func newEnv(t *testing.T) *env { return newEnvWith(t, orders.Config{}) }

func newEnvWith(t *testing.T, cfg orders.Config) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{Env: apitest.New(t), t: t, hooks: newReceiver(t), done: &completions{}}
	var err error
	e.reg, err = registry.NewService(registry.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	e.cmp, err = complaints.NewService(complaints.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Directory: e.reg, Users: e.Auth})
	require.NoError(t, err)
	e.dsp, err = dispatch.NewService(dispatch.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	e.svc, err = orders.NewService(orders.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Directory: e.reg,
		Complaints: e.cmp, Dispatch: e.dsp, Config: cfg})
	require.NoError(t, err)
	for _, ensure := range []func(context.Context) error{e.reg.EnsureIndexes, e.cmp.EnsureIndexes, e.dsp.EnsureIndexes,
		e.dsp.Refresh, e.svc.EnsureIndexes} {
		require.NoError(t, ensure(ctx))
	}
	e.reg.Register(e.Mux)
	e.cmp.Register(e.Mux)
	e.dsp.Register(e.Mux)
	e.svc.Register(e.Mux)
	e.Mux.Handle(webhook.TypeDeliver, webhook.NewSender(e.dsp, e.hooks.srv.Client(), e.Clock))
	e.Mux.HandleFunc(orders.TypeCompleted, e.done.handle)
	e.Watch(registry.Collections()...)
	e.Watch(complaints.Collections()...)
	e.Watch(dispatch.Collections()...)
	e.Watch(orders.Collections()...)
	registry.NewHandler(e.reg).Routes(e.API)
	complaints.NewHandler(e.cmp).Routes(e.API)
	dispatch.NewHandler(e.dsp).Routes(e.API)
	orders.NewHandler(e.svc).Routes(e.API)

	e.admin, e.dispatcher = e.person(auth.RoleAdmin, "", ""), e.person(auth.RoleDispatcher, "", "")
	e.agent = e.person(auth.RoleAgent, "", "")
	e.seedDirectory()
	e.RunDue()
	return e
}

// person is a user whose token is issued when used: tests move the clock past an
// access token's 15 minutes.
type person struct {
	e *env
	u auth.User
}

func (e *env) person(role, outletID, technicianID string) person {
	_, u := e.User(auth.CreateUserInput{Role: role, OutletID: outletID, TechnicianID: technicianID})
	return person{e: e, u: u}
}

func (p person) tok() string { return p.e.Login(p.u) }

// principal is the caller as the auth middleware (or the mobile API) hands it over.
func (p person) principal() auth.Principal {
	return auth.Principal{UserID: p.u.ID, Role: p.u.Role, Tier: p.u.Tier, OutletID: p.u.OutletID, TechnicianID: p.u.TechnicianID}
}

func ptr[T any](v T) *T { return &v }

func pageOf(n int) httpx.Page { return httpx.Page{Limit: n} }

func (e *env) seedDirectory() {
	ctx := context.Background()
	for _, p := range []registry.ProductInput{
		{SKU: "AC-100", Name: "Air conditioner 100", Brand: "Gree", Category: "air_conditioner", WarrantyMonths: ptr(24), SkillsNeeded: []string{"ac_repair"}},
		{SKU: "WM-200", Name: "Washer 200", Brand: "Gree", Category: "washer", WarrantyMonths: ptr(24), SkillsNeeded: []string{"washer_repair"}},
	} {
		_, _, err := e.reg.SaveProduct(ctx, aggregate.System, p)
		require.NoError(e.t, err)
	}
	e.customer = e.newCustomer("Zhang San", "13812345678")
	e.other = e.newCustomer("Li Si", "13987654321")
	e.sell(e.customer, "T-1", []registry.SalesLineInput{
		{LineNo: 1, SKU: "AC-100", Qty: 1, UnitPrice: ptr(int64(299900)), Serials: []string{acSerial}, DeliveredAt: "2026-02-03T00:00:00Z"},
		{LineNo: 2, SKU: "WM-200", Qty: 1, UnitPrice: ptr(int64(199900)), Serials: []string{wmSerial}, DeliveredAt: "2026-02-03T00:00:00Z"}})
	e.sell(e.other, "T-2", []registry.SalesLineInput{
		{LineNo: 1, SKU: "AC-100", Qty: 1, UnitPrice: ptr(int64(299900)), Serials: []string{otherSerial}, DeliveredAt: "2026-02-03T00:00:00Z"}})
}

func (e *env) newCustomer(name, phone string) string {
	c, err := e.reg.CreateCustomer(context.Background(), aggregate.System, registry.CustomerInput{Name: name, Phone: phone,
		Addresses: []registry.AddressInput{{Label: "home", Line: "1 Nanjing Rd", City: "Shanghai", Province: "Shanghai",
			Lat: ptr(homeLat), Lon: ptr(homeLon)}}})
	require.NoError(e.t, err)
	return c.ID
}

func (e *env) sell(customerID, shopNo string, lines []registry.SalesLineInput) {
	_, _, err := e.reg.ImportSalesOrder(context.Background(), aggregate.System, registry.SalesOrderInput{Shop: "tmall",
		ShopOrderNo: shopNo, CustomerID: customerID, OrderedAt: "2026-02-01T00:00:00Z",
		Currency: "CNY", Lines: lines})
	require.NoError(e.t, err)
}

// outlet creates an outsourced outlet km north of the customer, authorised for air
// conditioners of brand gree, with a webhook to the receiver; it returns its id.
func (e *env) outlet(name string, km float64, mods ...func(*dispatch.OutletInput)) string {
	lat, lon := north(km)
	in := dispatch.OutletInput{Name: name, Kind: dispatch.KindOutsourced, Address: "1 Test Road", Lat: &lat, Lon: &lon,
		ServiceRadiusKm: 30, Categories: []string{"air_conditioner"}, Brands: []string{"gree"}, Skills: []string{"ac_repair"},
		CapacityPerDay: 10, LabourRate: ptr(int64(8000)), TravelRatePerKm: ptr(int64(200)),
		WebhookURL: e.hooks.srv.URL + "/hooks/" + name, WebhookSecret: hookSecret}
	for _, m := range mods {
		m(&in)
	}
	v, err := e.dsp.CreateOutlet(context.Background(), e.admin.principal(), in)
	require.NoError(e.t, err)
	return v.ID
}

func inHouse(in *dispatch.OutletInput) {
	in.Kind, in.WebhookURL, in.WebhookSecret = dispatch.KindInHouse, "", ""
}

// technician creates an active technician of outletID km north of the customer.
func (e *env) technician(outletID string, km float64) string {
	lat, lon := north(km)
	v, err := e.dsp.CreateTechnician(context.Background(), e.admin.principal(), dispatch.TechnicianInput{OutletID: outletID,
		Name: "Wang Wei", Phone: "13800138000", Skills: []string{"ac_repair"}, Lat: &lat, Lon: &lon, DailyCapacity: 4})
	require.NoError(e.t, err)
	return v.ID
}

// order creates a service order for the customer's air conditioner as the agent and
// delivers the events that dispatch it.
func (e *env) order(mods ...func(*orders.CreateInput)) *orders.ServiceOrder {
	e.t.Helper()
	in := orders.CreateInput{Type: orders.TypeRepair, CustomerID: e.customer, Serial: acSerial}
	for _, m := range mods {
		m(&in)
	}
	o, err := e.svc.Create(context.Background(), e.agent.principal(), in)
	require.NoError(e.t, err)
	e.RunDue()
	return e.get(o.ID)
}

// get reads an order as stored.
func (e *env) get(id string) *orders.ServiceOrder {
	e.t.Helper()
	o, err := e.svc.Get(context.Background(), e.admin.principal(), id)
	require.NoError(e.t, err)
	return o
}

func (e *env) must(code int, r *apitest.Response) *apitest.Response {
	e.t.Helper()
	require.Equal(e.t, code, r.Code, r.String())
	return r
}

func actions(o *orders.ServiceOrder) []string {
	var out []string
	for _, h := range o.History {
		out = append(out, h.Action)
	}
	return out
}

func count(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// redeliver runs the handler of ev again, as a queue that delivers twice would.
func (e *env) redeliver(ev aggregate.Event) {
	e.t.Helper()
	task, err := ev.Task()
	require.NoError(e.t, err)
	require.NoError(e.t, e.Mux.ProcessTask(context.Background(), task))
}

// receiver is an outlet's system: it checks each webhook's signature and keeps it.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []delivery
}

type delivery struct {
	Path, Event string
	Valid       bool
	Body        []byte
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		valid := webhook.Verify(hookSecret, req.Header.Get(webhook.HeaderSignature), req.Header.Get(webhook.HeaderTimestamp),
			body, time.Unix(mustInt(req.Header.Get(webhook.HeaderTimestamp)), 0), time.Minute)
		r.mu.Lock()
		r.got = append(r.got, delivery{Path: req.URL.Path, Event: req.Header.Get(webhook.HeaderEvent), Valid: valid, Body: body})
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func mustInt(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// events lists "path event" of the deliveries so far.
func (r *receiver) events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, d := range r.got {
		if d.Valid {
			out = append(out, d.Path+" "+d.Event)
		} else {
			out = append(out, d.Path+" "+d.Event+" (bad signature)")
		}
	}
	return out
}

// completions stands for fees and parts: it keeps every orders:completed it is handed.
type completions struct {
	mu  sync.Mutex
	got []orders.Completed
}

func (c *completions) handle(_ context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	var d orders.Completed
	if err := env.Decode(&d); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, d)
	return nil
}

// detailsOf is the per-field details of a 400 validation_failed answer.
func detailsOf(t *testing.T, r *apitest.Response) map[string]string {
	t.Helper()
	var body struct {
		Code    string            `json:"code"`
		Details map[string]string `json:"details"`
	}
	r.JSON(t, &body)
	require.Equal(t, "validation_failed", body.Code, r.String())
	return body.Details
}

// complaint takes in a complaint about serial ("" for none) and returns its id.
func (e *env) complaint(serial string) string {
	e.t.Helper()
	body := map[string]any{"channel": "phone", "customer_id": e.customer, "category": "needs_repair",
		"description": "It does not work."}
	if serial != "" {
		body["serial"] = serial
	}
	r := e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), body))
	return r.Map(e.t)["id"].(string)
}

// triage asks for a repair visit for complaint id.
func (e *env) triage(id string) {
	e.t.Helper()
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/complaints/"+id+"/triage", e.agent.tok(),
		map[string]any{"service_order": map[string]any{"type": "repair"}}))
}
