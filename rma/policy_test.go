package rma_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/rma"
)

// delivered is when the env's order was delivered.
var delivered = time.Date(2026, 2, 27, 2, 0, 0, 0, time.UTC)

func TestPolicyWindowsRunFromDelivery(t *testing.T) {
	e := newEnv(t)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name, typ, reason, condition string
		after                        time.Duration
		eligible                     bool
		why                          []string
	}{
		{"no-reason return inside 7 days", "return_refund", "no_reason", "opened", 7*day - time.Minute, true, nil},
		{"no-reason return after 7 days", "return_refund", "no_reason", "opened", 7 * day, false, []string{rma.IneligibleReturnWindow}},
		{"no-reason return of used goods", "return_refund", "no_reason", "used", 2 * day, false, []string{rma.IneligibleCondition}},
		{"quality exchange inside 15 days", "exchange", "quality", "used", 15*day - time.Minute, true, nil},
		{"quality exchange after 15 days", "exchange", "quality", "used", 15 * day, false, []string{rma.IneligibleQualityWindow}},
		{"refund only for a change of mind", "refund_only", "no_reason", "unopened", day, false, []string{rma.IneligibleReason}},
		{"depot repair in warranty", "depot_repair", "quality", "used", 300 * day, true, nil},
		{"depot repair out of warranty", "depot_repair", "quality", "used", 800 * day, false, []string{rma.IneligibleWarranty}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.Clock.Set(delivered.Add(tc.after))
			l := line(e.order, 1, 1, "SN-AC-1")
			l["condition"] = tc.condition
			v := e.open(e.body(tc.typ, tc.reason, l))
			p := v.Lines[0].Policy
			assert.Equal(t, tc.eligible, p.Eligible, "%+v", p)
			if tc.why == nil {
				tc.why = []string{}
			}
			assert.Equal(t, tc.why, p.Reasons)
			assert.Equal(t, int(tc.after/day), p.DaysSinceDelivery)
			assert.Equal(t, e.Clock.Now(), p.CheckedAt)
			e.act(e.agent, "rmas/"+v.ID+"/cancel", map[string]any{"reason": "test done"})
		})
	}
}

func TestProductReturnWindowReplacesTheDefault(t *testing.T) {
	e := newEnv(t)
	admin := e.staff(authAdmin()).tok()
	var p map[string]any
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/products/CBL-1", admin, nil)).JSON(t, &p)
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/products", admin, map[string]any{"sku": "CBL-1", "name": "Cable",
		"brand": "Acme", "category": "accessories", "warranty_months": 6, "return_window_days": 30, "version": p["version"]}))
	e.Clock.Set(delivered.Add(20 * 24 * time.Hour))
	v := e.open(e.body("return_refund", "no_reason", line(e.order, 2, 1)))
	assert.True(t, v.Lines[0].Policy.Eligible, "%+v", v.Lines[0].Policy)
	assert.Equal(t, 30, v.Lines[0].Policy.WindowDays)
}

func TestConfiguredPolicyWindowsApply(t *testing.T) {
	e := newEnvWith(t, options{policy: rma.Policy{NoReasonReturnDays: 3}})
	e.Clock.Set(delivered.Add(4 * 24 * time.Hour))
	v := e.open(e.body("return_refund", "no_reason", line(e.order, 2, 1)))
	assert.Equal(t, []string{rma.IneligibleReturnWindow}, v.Lines[0].Policy.Reasons)
}

func TestIneligibleLineNeedsASupervisorOverrideRecordedWithWho(t *testing.T) {
	e := newEnv(t)
	e.Clock.Set(delivered.Add(10 * 24 * time.Hour))
	v := e.open(e.body("return_refund", "no_reason", line(e.order, 1, 1, "SN-AC-1")))
	require.False(t, v.Lines[0].Policy.Eligible)

	r := e.post(e.agent, "rmas/"+v.ID+"/approve", nil)
	assert.Contains(t, details(t, r, "conflict"), "lines[0]")
	assert.Equal(t, http.StatusForbidden, e.post(e.agent, "rmas/"+v.ID+"/override", map[string]any{"line_no": 1, "reason": "vip"}).Code)
	assert.Contains(t, details(t, e.post(e.supervisor, "rmas/"+v.ID+"/override", map[string]any{"line_no": 7, "reason": "x"}),
		"validation_failed"), "line_no")

	got := e.act(e.supervisor, "rmas/"+v.ID+"/override", map[string]any{"line_no": 1, "reason": "long-standing customer"})
	require.NotNil(t, got.Lines[0].Override)
	assert.Equal(t, e.supervisor.u.ID, got.Lines[0].Override.By)
	assert.Equal(t, "long-standing customer", got.Lines[0].Override.Reason)
	assert.False(t, got.Lines[0].Policy.Eligible, "the policy's result is kept beside the override")
	assert.Equal(t, http.StatusConflict, e.post(e.supervisor, "rmas/"+v.ID+"/override",
		map[string]any{"line_no": 1, "reason": "again"}).Code)

	got = e.act(e.agent, "rmas/"+v.ID+"/approve", nil)
	assert.Equal(t, "approved", got.Status)
}
