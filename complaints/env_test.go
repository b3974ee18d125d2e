package complaints_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

// env is one test's system: the real registry and complaints services wired into the
// apitest harness, a customer who bought two serialised units, and staff of each role.
type env struct {
	*apitest.Env
	t          *testing.T
	svc        *complaints.Service
	agent      staffer // an L1 agent
	supervisor staffer
	customer   string // customer id
	serial     string // a unit the customer owns
	order      string // the sales order that sold it
	other      string // another customer
	otherUnit  string // a unit the other customer owns
}

func newEnv(t *testing.T) *env {
	return newEnvWith(t, complaints.Policy{})
}

func newEnvWith(t *testing.T, policy complaints.Policy) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{Env: apitest.New(t), t: t}
	reg, err := registry.NewService(registry.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	require.NoError(t, reg.EnsureIndexes(ctx))
	reg.Register(e.Mux)
	registry.NewHandler(reg).Routes(e.API)
	e.Watch(registry.Collections()...)

	e.svc, err = complaints.NewService(complaints.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log,
		Directory: reg, Users: e.Auth, Policy: policy})
	require.NoError(t, err)
	require.NoError(t, e.svc.EnsureIndexes(ctx))
	e.svc.Register(e.Mux)
	complaints.NewHandler(e.svc).Routes(e.API)
	e.Watch(complaints.Collections()...)

	e.agent = e.staff(auth.RoleAgent, auth.TierL1)
	e.supervisor = e.staff(auth.RoleSupervisor, "")
	e.seedDirectory()
	e.RunDue() // registry and user events of the setup
	return e
}

// seedDirectory creates a product, two customers and the orders that sold them a unit each.
func (e *env) seedDirectory() {
	sup := e.supervisor.tok()
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/products", sup, map[string]any{
		"sku": "AC-100", "name": "Air conditioner 100", "brand": "Acme", "category": "air_conditioner", "warranty_months": 24}))
	e.customer = e.newCustomer("Zhang San", "13812345678")
	e.other = e.newCustomer("Li Si", "13987654321")
	e.serial, e.order = "SN-ZHANG-1", e.sell(e.customer, "SN-ZHANG-1")
	e.otherUnit = "SN-LI-1"
	e.sell(e.other, e.otherUnit)
}

func (e *env) newCustomer(name, phone string) string {
	r := e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/customers", e.agent.tok(), map[string]any{
		"name": name, "phone": phone,
		"addresses": []map[string]any{{"line": "1 Nanjing Rd", "city": "Shanghai", "province": "Shanghai", "lat": 31.23, "lon": 121.47}}}))
	return r.Map(e.t)["id"].(string)
}

func (e *env) sell(customerID, serial string) string {
	r := e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/sales-orders", e.agent.tok(), map[string]any{
		"shop": "tmall", "shop_order_no": "T-" + serial, "customer_id": customerID,
		"ordered_at": "2026-02-01T00:00:00Z", "currency": "CNY",
		"lines": []map[string]any{{"line_no": 1, "sku": "AC-100", "qty": 1, "unit_price": 299900,
			"serials": []string{serial}, "delivered_at": "2026-02-03T00:00:00Z"}}}))
	return r.Map(e.t)["id"].(string)
}

// staffer is a user whose token is issued when used: the manual clock runs far past
// an access token's 15 minutes in SLA tests.
type staffer struct {
	e     *env
	ID    string
	email string
}

func (e *env) staff(role, tier string) staffer {
	_, u := e.User(auth.CreateUserInput{Role: role, Tier: tier})
	return staffer{e: e, ID: u.ID, email: u.Email}
}

func (s staffer) tok() string {
	s.e.t.Helper()
	sess, err := s.e.Auth.Login(context.Background(), auth.LoginInput{Email: s.email, Password: "password-for-tests",
		Audience: auth.AudStaff, IP: "192.0.2.1"})
	require.NoError(s.e.t, err)
	return sess.AccessToken
}

func (e *env) must(code int, r *apitest.Response) *apitest.Response {
	e.t.Helper()
	require.Equal(e.t, code, r.Code, r.String())
	return r
}

// intake is a valid complaint body; change decorates it.
func (e *env) intake(change ...func(m map[string]any)) map[string]any {
	m := map[string]any{"channel": "phone", "customer_id": e.customer, "category": "service_attitude",
		"description": "The installer was rude."}
	for _, c := range change {
		c(m)
	}
	return m
}

func with(key string, v any) func(map[string]any) { return func(m map[string]any) { m[key] = v } }

// create takes in a complaint as the L1 agent and returns it.
func (e *env) create(change ...func(m map[string]any)) complaints.ComplaintView {
	e.t.Helper()
	var v complaints.ComplaintView
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), e.intake(change...))).JSON(e.t, &v)
	return v
}

// post runs an action on complaint id and returns the response.
func (e *env) post(who staffer, id, action string, body any) *apitest.Response {
	return e.Do(http.MethodPost, "/api/v1/complaints/"+id+"/"+action, who.tok(), body)
}

// act runs an action that must succeed and returns the complaint after it.
func (e *env) act(who staffer, id, action string, body any) complaints.ComplaintView {
	e.t.Helper()
	var v complaints.ComplaintView
	e.must(http.StatusOK, e.post(who, id, action, body)).JSON(e.t, &v)
	return v
}

func (e *env) get(id string) complaints.ComplaintView {
	e.t.Helper()
	var v complaints.ComplaintView
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/"+id, e.supervisor.tok(), nil)).JSON(e.t, &v)
	return v
}

// list returns the ids of the complaints a query lists.
func (e *env) list(who staffer, query string) []string {
	e.t.Helper()
	var page complaints.ComplaintList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints?"+query, who.tok(), nil)).JSON(e.t, &page)
	ids := []string{}
	for _, c := range page.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

func (e *env) alerts(who staffer, query string) []complaints.Alert {
	e.t.Helper()
	var page complaints.AlertList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/alerts?"+query, who.tok(), nil)).JSON(e.t, &page)
	return page.Items
}

// advanceTo moves the clock to at and delivers what fell due.
func (e *env) advanceTo(at time.Time) []string {
	e.Clock.Set(at)
	return e.RunDue()
}

func actions(v complaints.ComplaintView) []string {
	var out []string
	for _, h := range v.History {
		out = append(out, h.Action)
	}
	return out
}

func details(t *testing.T, r *apitest.Response) map[string]string {
	t.Helper()
	var body struct {
		Code    string            `json:"code"`
		Details map[string]string `json:"details"`
	}
	r.JSON(t, &body)
	require.Equal(t, "validation_failed", body.Code, r.String())
	return body.Details
}

// fieldsOf is the per-field details of a validation error.
func fieldsOf(t *testing.T, err error) map[string]string {
	t.Helper()
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, apperr.CodeValidation, ae.Code, err.Error())
	return ae.Details
}

func count(typ string, ran []string) int {
	n := 0
	for _, r := range ran {
		if r == typ {
			n++
		}
	}
	return n
}

func ptr[T any](v T) *T { return &v }

// pendingTypes are the types of the events in complaint id's outbox, in order.
func (e *env) pendingTypes(id string) []string {
	e.t.Helper()
	var d struct {
		Outbox []aggregate.Event `bson:"outbox"`
	}
	require.NoError(e.t, e.DB.Collection(complaints.ComplaintsCollection).FindByID(context.Background(), id, &d))
	var out []string
	for _, ev := range d.Outbox {
		out = append(out, ev.Type)
	}
	return out
}
