package rma_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/webhook"
	"github.com/aftersales/aftersales/registry"
	"github.com/aftersales/aftersales/rma"
)

func TestComplaintExchangeRunsFromTriageToResolvedComplaint(t *testing.T) {
	e := newEnv(t)
	var c complaints.ComplaintView
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), map[string]any{
		"channel": "phone", "customer_id": e.customer, "serial": "SN-AC-2", "category": "quality_fault",
		"description": "It stopped cooling after two days."})).JSON(t, &c)
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/complaints/"+c.ID+"/triage", e.agent.tok(), map[string]any{
		"rma": map[string]any{"type": "exchange", "reason": "defective compressor",
			"lines": []any{map[string]any{"line_no": 1, "qty": 1}}}}))
	ran := e.RunDue()
	assert.Contains(t, ran, complaints.TypeRMARequested)

	var page rma.List
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/rmas?complaint_id="+c.ID, e.agent.tok(), nil)).JSON(t, &page)
	require.Len(t, page.Items, 1)
	v := page.Items[0]
	assert.Equal(t, "exchange", v.Type)
	assert.Equal(t, "requested", v.Status)
	assert.Equal(t, []string{"SN-AC-2"}, v.Lines[0].Serials, "the complaint's unit is the one coming back")
	assert.True(t, v.Lines[0].Policy.Eligible, "%+v", v.Lines[0].Policy)
	assert.Equal(t, 1, e.claimed(e.order, 1))
	got := e.get(v.ID)
	assert.Equal(t, complaints.WorkLinked, workStatus(t, e, c.ID), "the complaint knows its RMA")

	got = e.act(e.agent, "rmas/"+v.ID+"/approve", nil)
	assert.Equal(t, "approved", got.Status)
	ran = e.RunDue()
	assert.Equal(t, 1, count(rma.TypeRoute, ran))
	assert.Equal(t, 1, count(webhook.TypeDeliver, ran))
	assert.Equal(t, []string{"rma.routed"}, e.hooks.received(), "the warehouse's system is told, signed")
	got = e.get(v.ID)
	assert.Equal(t, "awaiting_return", got.Status)
	assert.Equal(t, e.near, got.WarehouseID, "the nearest warehouse that handles air conditioners")

	e.act(e.agent, "rmas/"+v.ID+"/return-shipment", map[string]any{"carrier": "SF Express", "tracking_no": "SF100"})
	var mine rma.List
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/warehouse/rmas?status=awaiting_return", e.nearStaff.tok(), nil)).JSON(t, &mine)
	require.Len(t, mine.Items, 1)
	assert.Equal(t, "SF100", mine.Items[0].ReturnShipment.TrackingNo)

	got = e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/receipt", map[string]any{
		"lines": []any{map[string]any{"line_no": 1, "qty_received": 1, "serials_received": []string{"sn-ac-2"}}}})
	assert.Equal(t, "received", got.Status)
	assert.Equal(t, rma.ReceiptMatching, got.Lines[0].Received.Result)
	assert.False(t, got.RefundBlocked)
	got = e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{
		"lines": []any{map[string]any{"line_no": 1, "grade": "defective"}}})
	assert.Equal(t, "inspected", got.Status)
	got = e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/reshipment", map[string]any{"carrier": "SF Express", "tracking_no": "SF200"})
	assert.Equal(t, "replacement_shipped", got.Status)
	assert.Equal(t, "SF200", got.Reshipment.TrackingNo)

	ran = e.RunDue()
	assert.Contains(t, ran, rma.TypeClose)
	assert.Contains(t, ran, rma.TypeClosed)
	got = e.get(v.ID)
	assert.Equal(t, "closed", got.Status)
	assert.Equal(t, rma.OutcomeCompleted, got.Outcome)
	assert.Equal(t, []string{"created", "lines_reserved", "approved", "routed", "return_shipped", "received", "inspected",
		"replacement_shipped", "closed"}, actions(got))

	var after complaints.ComplaintView
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/"+c.ID, e.agent.tok(), nil)).JSON(t, &after)
	assert.Equal(t, complaints.StatusResolved, after.Status, "the complaint moved on when its RMA closed")

	var unit registry.UnitView
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/units/SN-AC-2", e.agent.tok(), nil)).JSON(t, &unit)
	assert.Equal(t, 2, countKind(unit, registry.KindRMA, v.ID), "the unit's history has the RMA opening and closing")
	assert.Equal(t, 1, e.claimed(e.order, 1), "an exchanged unit stays claimed")
}

func workStatus(t *testing.T, e *env, complaintID string) string {
	var c complaints.ComplaintView
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/"+complaintID, e.agent.tok(), nil)).JSON(t, &c)
	require.Len(t, c.Work, 1)
	return c.Work[0].Status
}

func countKind(u registry.UnitView, kind, ref string) int {
	n := 0
	for _, h := range u.History {
		if h.Kind == kind && h.Ref == ref {
			n++
		}
	}
	return n
}

func TestEveryRouteIsDocumented(t *testing.T) {
	e := newEnv(t)
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/rmas"}, {http.MethodGet, "/api/v1/rmas/:id"},
		{http.MethodPost, "/api/v1/rmas/:id/refund"}, {http.MethodPost, "/api/v1/warehouse/rmas/:id/receipt"},
		{http.MethodGet, "/api/v1/warehouse/rmas"}, {http.MethodGet, "/api/v1/refunds"},
	} {
		assert.True(t, e.Spec.Has(r.method, r.path), "%s %s", r.method, r.path)
	}
	doc, err := json.Marshal(e.Spec.Document())
	require.NoError(t, err)
	assert.Contains(t, string(doc), "refund_blocked")
}
