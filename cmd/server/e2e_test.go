package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// client speaks HTTP to a running server as one user.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var m map[string]any
	if resp.StatusCode != http.StatusNoContent {
		require.NoError(c.t, json.NewDecoder(resp.Body).Decode(&m))
	}
	return resp.StatusCode, m
}

// must sends a request and fails the test unless it answers want.
func (c client) must(want int, method, path string, body any) map[string]any {
	c.t.Helper()
	got, m := c.do(method, path, body)
	require.Equal(c.t, want, got, "%s %s: %v", method, path, m)
	return m
}

func (c client) login(email, password string) client {
	c.t.Helper()
	m := client{t: c.t, base: c.base}.must(http.StatusOK, http.MethodPost, "/api/v1/auth/login",
		map[string]string{"email": email, "password": password})
	c.token = m["access_token"].(string)
	return c
}

// running serves the wired app over real HTTP with its worker running.
func running(t *testing.T) (*App, client) {
	app := testApp(t)
	stop, err := app.startWorker()
	require.NoError(t, err)
	t.Cleanup(stop)
	srv := httptest.NewServer(app.Handler())
	t.Cleanup(srv.Close)
	admin := client{t: t, base: srv.URL}.login(app.cfg.AdminEmail, "admin-password-1")
	return app, admin
}

// staff creates a user of role and returns them logged in.
func staff(admin client, role, email string, extra map[string]any) client {
	body := map[string]any{"email": email, "name": role + " " + email, "role": role, "password": "password-for-e2e"}
	for k, v := range extra {
		body[k] = v
	}
	admin.must(http.StatusCreated, http.MethodPost, "/api/v1/admin/users", body)
	return admin.login(email, "password-for-e2e")
}

// sold imports a delivered sales order of one serialised air conditioner and returns
// the order id, customer id and serial.
func sold(t *testing.T, admin, agent client, shopOrderNo, serial string) (order, customer string) {
	admin.must(http.StatusCreated, http.MethodPost, "/api/v1/products", map[string]any{
		"sku": "AC-9000", "name": "分体空调 9000", "brand": "Aurora", "category": "air_conditioner",
		"warranty_months": 36, "skills_needed": []string{"ac_repair"}})
	delivered := time.Now().UTC().Add(-72 * time.Hour).Format(time.RFC3339)
	m := agent.must(http.StatusCreated, http.MethodPost, "/api/v1/sales-orders", map[string]any{
		"shop": "tmall", "shop_order_no": shopOrderNo, "ordered_at": delivered, "currency": "CNY",
		"customer": map[string]any{"name": "王芳", "phone": "13800138000", "addresses": []any{map[string]any{
			"line": "南京西路 1266 号", "city": "上海", "province": "上海", "lat": 31.2304, "lon": 121.4737}}},
		"lines": []any{map[string]any{"line_no": 1, "sku": "AC-9000", "qty": 1, "unit_price": 399900,
			"serials": []string{serial}, "delivered_at": delivered}}})
	return m["id"].(string), m["customer_id"].(string)
}

func TestComplaintFromIntakeToFollowUpOverHTTP(t *testing.T) {
	app, admin := running(t)
	agent := staff(admin, "agent", "agent@example.com", map[string]any{"tier": "L1"})
	order, customer := sold(t, admin, agent, "TM-1001", "SN-AC-0001")

	again := agent.must(http.StatusOK, http.MethodPost, "/api/v1/sales-orders", map[string]any{
		"shop": "tmall", "shop_order_no": "TM-1001", "customer_id": customer, "ordered_at": time.Now().UTC().Format(time.RFC3339),
		"currency": "CNY", "lines": []any{map[string]any{"line_no": 1, "sku": "AC-9000", "qty": 1, "unit_price": 399900}}})
	assert.Equal(t, order, again["id"], "the same shop order imported twice is one order")

	c := agent.must(http.StatusCreated, http.MethodPost, "/api/v1/complaints", map[string]any{
		"channel": "phone", "customer_id": customer, "serial": "SN-AC-0001", "category": "quality_fault",
		"description": "空调不制冷 — the unit blows warm air since yesterday"})
	id := c["id"].(string)
	assert.Equal(t, "general", c["class"])

	agent.must(http.StatusOK, http.MethodPost, "/api/v1/complaints/"+id+"/respond", map[string]any{"message": "We are on it"})
	res := agent.must(http.StatusOK, http.MethodPost, "/api/v1/complaints/"+id+"/resolve", map[string]any{"resolution": "Guided a filter clean; cooling restored"})
	assert.Equal(t, "resolved", res["status"])

	closed := agent.must(http.StatusOK, http.MethodPost, "/api/v1/complaints/"+id+"/follow-up", map[string]any{
		"reached": true, "resolved": true, "csat": 5, "nps": 9, "comment": "很满意"})
	assert.Equal(t, "closed", closed["status"])
	assert.Equal(t, true, closed["fcr"], "resolved at first contact and confirmed")

	// The worker delivered the outbox events: the unit's history shows the sale and the complaint.
	require.Eventually(t, func() bool {
		_, u := agent.do(http.MethodGet, "/api/v1/units/SN-AC-0001", nil)
		h, _ := u["history"].([]any)
		return len(h) >= 2
	}, 30*time.Second, 50*time.Millisecond)
	_ = app
}

// poll asks path until ok says the answer is what the test waits for (work done by the
// worker), and returns that answer.
func (c client) poll(path string, ok func(map[string]any) bool) map[string]any {
	c.t.Helper()
	var last map[string]any
	require.Eventually(c.t, func() bool {
		status, m := c.do(http.MethodGet, path, nil)
		last = m
		return status == http.StatusOK && ok(m)
	}, 30*time.Second, 50*time.Millisecond, "GET %s never became ready: %v", path, last)
	return last
}

func TestComplaintTriagedIntoARefundResolvesWhenTheRMACloses(t *testing.T) {
	_, admin := running(t)
	agent := staff(admin, "agent", "desk@example.com", map[string]any{"tier": "L1"})
	sold(t, admin, agent, "TM-2002", "SN-AC-0002")
	customer := agent.must(http.StatusOK, http.MethodGet, "/api/v1/units/SN-AC-0002", nil)["customer_id"].(string)

	c := agent.must(http.StatusCreated, http.MethodPost, "/api/v1/complaints", map[string]any{
		"channel": "marketplace", "customer_id": customer, "serial": "SN-AC-0002", "category": "damaged",
		"description": "外机运输途中压坏 — outdoor unit arrived crushed"})
	id := c["id"].(string)
	assert.Equal(t, "serious", c["class"])
	agent.must(http.StatusOK, http.MethodPost, "/api/v1/complaints/"+id+"/respond", map[string]any{"message": "Sorry — refunding you"})
	agent.must(http.StatusOK, http.MethodPost, "/api/v1/complaints/"+id+"/triage", map[string]any{
		"rma": map[string]any{"type": "refund_only", "reason": "crushed in transit, customer keeps nothing",
			"lines": []any{map[string]any{"line_no": 1, "qty": 1}}}})

	// The worker turns the triage request into an RMA linked to the complaint and
	// reserves its line.
	list := agent.poll("/api/v1/rmas?complaint_id="+id, func(m map[string]any) bool {
		items, _ := m["items"].([]any)
		return len(items) == 1 && items[0].(map[string]any)["claims_pending"] != true
	})
	rmaID := list["items"].([]any)[0].(map[string]any)["id"].(string)

	agent.must(http.StatusOK, http.MethodPost, "/api/v1/rmas/"+rmaID+"/approve", nil)
	agent.must(http.StatusOK, http.MethodPost, "/api/v1/rmas/"+rmaID+"/refund", map[string]any{
		"amount": 399900, "currency": "CNY", "method": "original"})

	agent.poll("/api/v1/rmas/"+rmaID, func(m map[string]any) bool { return m["status"] == "closed" })
	resolved := agent.poll("/api/v1/complaints/"+id, func(m map[string]any) bool { return m["status"] == "resolved" })
	assert.NotEqual(t, true, resolved["fcr"], "resolved through linked work, not at first contact")

	closed := agent.must(http.StatusOK, http.MethodPost, "/api/v1/complaints/"+id+"/follow-up", map[string]any{
		"reached": true, "resolved": true, "csat": 4, "nps": 8})
	assert.Equal(t, "closed", closed["status"])
}
