package rma_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/rma"
)

func TestWarehouseCannotReadOrActOnAnotherWarehousesRMA(t *testing.T) {
	e := newEnv(t)
	v := e.routed(e.body("return_refund", "quality", line(e.order, 1, 1, "SN-AC-1")))
	path := "/api/v1/warehouse/rmas/" + v.ID

	assert.Equal(t, http.StatusOK, e.Do(http.MethodGet, path, e.nearStaff.tok(), nil).Code)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, path, e.farStaff.tok(), nil).Code)
	for _, a := range []struct {
		action string
		body   any
	}{
		{"receipt", map[string]any{"lines": []any{map[string]any{"line_no": 1, "qty_received": 1}}}},
		{"inspection", map[string]any{"lines": []any{map[string]any{"line_no": 1, "grade": "defective"}}}},
		{"reshipment", map[string]any{"carrier": "SF", "tracking_no": "X1"}},
		{"repair-return", map[string]any{"carrier": "SF", "tracking_no": "X1"}},
	} {
		r := e.post(e.farStaff, "warehouse/rmas/"+v.ID+"/"+a.action, a.body)
		assert.Equal(t, http.StatusNotFound, r.Code, "%s: %s", a.action, r)
	}
	var list rma.List
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/warehouse/rmas", e.farStaff.tok(), nil)).JSON(t, &list)
	assert.Empty(t, list.Items)
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/warehouse/rmas", e.nearStaff.tok(), nil)).JSON(t, &list)
	assert.Len(t, list.Items, 1)
	assert.Equal(t, "awaiting_return", e.get(v.ID).Status, "nothing changed")

	receive(e, v.ID, map[string]any{"line_no": 1, "qty_received": 1, "serials_received": []string{"SN-AC-1"}})
	e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{"lines": []any{map[string]any{"line_no": 1, "grade": "defective"}}})
	refund := map[string]any{"amount": 299900, "currency": "CNY", "method": "original"}
	assert.Equal(t, http.StatusForbidden, e.post(e.nearStaff, "rmas/"+v.ID+"/refund", refund).Code, "a warehouse cannot refund")
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/rmas/"+v.ID, e.nearStaff.tok(), nil).Code)
	assert.Equal(t, "inspected", e.get(v.ID).Status)
}

func TestForeignSerialInReceiptIsNotMatchingAndBlocksTheRefundUntilASupervisorDecides(t *testing.T) {
	e := newEnv(t)
	v := e.routed(e.body("return_refund", "quality", line(e.order, 1, 1, "SN-AC-1")))
	got := receive(e, v.ID, map[string]any{"line_no": 1, "qty_received": 1, "serials_received": []string{"SN-FAKE-9"}})
	rc := got.Lines[0].Received
	require.NotNil(t, rc)
	assert.Equal(t, rma.ReceiptNotMatching, rc.Result)
	assert.Equal(t, []string{"SN-FAKE-9"}, rc.Unexpected)
	assert.Equal(t, []string{"SN-AC-1"}, rc.Missing)
	assert.True(t, got.RefundBlocked)
	decide := map[string]any{"decision": "accept", "reason": "relabelled unit, serial confirmed by photos"}
	e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{"lines": []any{map[string]any{"line_no": 1, "grade": "defective"}}})

	refund := map[string]any{"amount": 299900, "currency": "CNY", "method": "original"}
	assert.Equal(t, http.StatusConflict, e.post(e.agent, "rmas/"+v.ID+"/refund", refund).Code, "blocked")
	assert.Equal(t, http.StatusForbidden, e.post(e.agent, "rmas/"+v.ID+"/decide", decide).Code)
	assert.Equal(t, int64(0), e.Count(rma.RefundsCollection))

	got = e.act(e.supervisor, "rmas/"+v.ID+"/decide", decide)
	assert.False(t, got.RefundBlocked)
	assert.Equal(t, e.supervisor.u.ID, got.Decision.By)
	got = e.act(e.agent, "rmas/"+v.ID+"/refund", refund)
	assert.Equal(t, "refunded", got.Status)
	e.RunDue()
	assert.Equal(t, "closed", e.get(v.ID).Status)
}

func TestAcceptedReceiptIsNotBlockedAgainByAGoodInspection(t *testing.T) {
	e := newEnv(t)
	v := e.routed(e.body("return_refund", "quality", line(e.order, 1, 1, "SN-AC-1")))
	receive(e, v.ID, map[string]any{"line_no": 1, "qty_received": 1, "serials_received": []string{"SN-FAKE-9"}})
	e.act(e.supervisor, "rmas/"+v.ID+"/decide", map[string]any{"decision": "accept", "reason": "checked"})
	got := e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{"lines": []any{map[string]any{"line_no": 1, "grade": "defective"}}})
	assert.False(t, got.RefundBlocked)
	assert.Equal(t, http.StatusConflict, e.post(e.supervisor, "rmas/"+v.ID+"/decide",
		map[string]any{"decision": "accept", "reason": "again"}).Code, "nothing left to decide")
	e.act(e.agent, "rmas/"+v.ID+"/refund", map[string]any{"amount": 299900, "currency": "CNY", "method": "original"})
}

func TestSupervisorRejectingTheRefundClosesTheRMARefusedAndFreesTheUnit(t *testing.T) {
	e := newEnv(t)
	v := e.routed(e.body("return_refund", "quality", line(e.order, 1, 1, "SN-AC-1")))
	receive(e, v.ID, map[string]any{"line_no": 1, "qty_received": 1, "serials_received": []string{"SN-FAKE-9"}})
	assert.Contains(t, details(t, e.post(e.supervisor, "rmas/"+v.ID+"/decide", map[string]any{"decision": "maybe"}),
		"validation_failed"), "decision")
	got := e.act(e.supervisor, "rmas/"+v.ID+"/decide", map[string]any{"decision": "reject_refund", "reason": "not our unit"})
	assert.Equal(t, "closed", got.Status)
	assert.Equal(t, rma.OutcomeRefused, got.Outcome)
	assert.Equal(t, "reject_refund", got.Decision.Decision)
	assert.Equal(t, 0, e.claimed(e.order, 1))
	assert.Equal(t, http.StatusConflict, e.post(e.agent, "rmas/"+v.ID+"/refund",
		map[string]any{"amount": 1, "currency": "CNY", "method": "original"}).Code)
}

func TestRefundIsCappedByWhatArrivedAndFiledForFinance(t *testing.T) {
	e := newEnv(t)
	v := e.routed(e.body("return_refund", "no_reason", line(e.order, 2, 3)))
	got := receive(e, v.ID, map[string]any{"line_no": 1, "qty_received": 2})
	assert.Equal(t, rma.ReceiptShort, got.Lines[0].Received.Result)
	assert.False(t, got.RefundBlocked, "a short parcel is recorded, not blocked")
	e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{"lines": []any{map[string]any{"line_no": 1, "grade": "resaleable"}}})

	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"amount": 2*299900 + 1, "currency": "CNY", "method": "original"}, "amount"},
		{map[string]any{"amount": 100, "currency": "USD", "method": "original"}, "currency"},
		{map[string]any{"amount": 100, "currency": "CNY", "method": "cash"}, "method"},
		{map[string]any{"currency": "CNY", "method": "original"}, "amount"},
	} {
		assert.Contains(t, details(t, e.post(e.agent, "rmas/"+v.ID+"/refund", tc.body), "validation_failed"), tc.field)
	}
	got = e.act(e.agent, "rmas/"+v.ID+"/refund", map[string]any{"amount": 2 * 299900, "currency": "CNY", "method": "bank_transfer"})
	assert.Equal(t, "refunded", got.Status)

	var page rma.RefundList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/refunds?status=pending", e.finance.tok(), nil)).JSON(t, &page)
	require.Len(t, page.Items, 1)
	rf := page.Items[0]
	assert.Equal(t, v.ID, rf.RMAID)
	assert.Equal(t, int64(2*299900), rf.Amount)
	assert.Equal(t, "bank_transfer", rf.Method)
	e.RunDue()
	assert.Equal(t, int64(1), e.Count(rma.RefundsCollection), "the refund event files nothing twice")

	assert.Equal(t, http.StatusForbidden, e.post(e.agent, "refunds/"+rf.ID+"/paid", map[string]any{"reference": "BANK-1"}).Code)
	var paid rma.RefundView
	e.must(http.StatusOK, e.post(e.finance, "refunds/"+rf.ID+"/paid", map[string]any{"reference": "BANK-1"})).JSON(t, &paid)
	assert.Equal(t, rma.RefundPaid, paid.Status)
	assert.Equal(t, http.StatusConflict, e.post(e.finance, "refunds/"+rf.ID+"/paid", map[string]any{"reference": "BANK-2"}).Code)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/refunds", e.nearStaff.tok(), nil).Code)
	assert.Equal(t, "closed", e.get(v.ID).Status)
}

func TestRefundOnlyNeedsNoWarehouse(t *testing.T) {
	e := newEnv(t)
	v := e.open(e.body("refund_only", "missing_item", line(e.order, 2, 1)))
	e.act(e.agent, "rmas/"+v.ID+"/approve", nil)
	assert.NotContains(t, e.RunDue(), "rma:route")
	got := e.act(e.agent, "rmas/"+v.ID+"/refund", map[string]any{"amount": 299900, "currency": "CNY", "method": "store_credit"})
	assert.Equal(t, "refunded", got.Status)
	assert.Empty(t, got.WarehouseID)
	e.RunDue()
	got = e.get(v.ID)
	assert.Equal(t, "closed", got.Status)
	assert.Equal(t, 1, e.claimed(e.order, 2), "a refunded unit cannot be refunded again")
}

func TestDepotRepairComesBackRepairedAndCanComeBackAgain(t *testing.T) {
	e := newEnv(t)
	v := e.routed(e.body("depot_repair", "quality", line(e.order, 1, 1, "SN-AC-1")))
	receive(e, v.ID, map[string]any{"line_no": 1, "qty_received": 1, "serials_received": []string{"SN-AC-1"}})
	assert.Equal(t, http.StatusConflict, e.post(e.nearStaff, "warehouse/rmas/"+v.ID+"/repair-return",
		map[string]any{"carrier": "SF", "tracking_no": "R1"}).Code, "inspect first")
	assert.Contains(t, details(t, e.post(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{"lines": []any{}}),
		"validation_failed"), "lines")
	e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{"lines": []any{map[string]any{"line_no": 1, "grade": "defective"}}})
	assert.Equal(t, http.StatusConflict, e.post(e.nearStaff, "warehouse/rmas/"+v.ID+"/reshipment",
		map[string]any{"carrier": "SF", "tracking_no": "R1"}).Code, "a repair is not an exchange")
	got := e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/repair-return", map[string]any{"carrier": "SF", "tracking_no": "R1"})
	assert.Equal(t, "repaired_returned", got.Status)
	e.RunDue()
	assert.Equal(t, "closed", e.get(v.ID).Status)
	assert.Equal(t, 0, e.claimed(e.order, 1), "the repaired unit is the customer's again")
}

func TestReceiptAndInspectionAreCheckedAgainstTheRMA(t *testing.T) {
	e := newEnv(t)
	v := e.routed(e.body("exchange", "quality", line(e.order, 1, 1, "SN-AC-1"), line(e.order, 2, 1)))
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"lines": []any{map[string]any{"line_no": 5, "qty_received": 1}}}, "lines[0].line_no"},
		{map[string]any{"lines": []any{map[string]any{"line_no": 1, "qty_received": -1}}}, "lines[0].qty_received"},
		{map[string]any{"lines": []any{map[string]any{"line_no": 1, "qty_received": 0, "serials_received": []string{"A"}}}},
			"lines[0].serials_received"},
		{map[string]any{"lines": []any{map[string]any{"line_no": 1, "qty_received": 1}, map[string]any{"line_no": 1, "qty_received": 1}}},
			"lines[1].line_no"},
	} {
		assert.Contains(t, details(t, e.post(e.nearStaff, "warehouse/rmas/"+v.ID+"/receipt", tc.body), "validation_failed"), tc.field)
	}
	assert.Equal(t, "awaiting_return", e.get(v.ID).Status)
	got := receive(e, v.ID, map[string]any{"line_no": 1, "qty_received": 1, "serials_received": []string{"SN-AC-1"}})
	assert.Equal(t, rma.ReceiptShort, got.Lines[1].Received.Result, "an unlisted line received nothing")
	r := e.post(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{"lines": []any{
		map[string]any{"line_no": 1, "grade": "defective"}, map[string]any{"line_no": 2, "grade": "resaleable"}}})
	assert.Contains(t, details(t, r, "validation_failed"), "lines[1].line_no", "line 2 received nothing to grade")
	got = e.act(e.nearStaff, "warehouse/rmas/"+v.ID+"/inspection", map[string]any{"lines": []any{
		map[string]any{"line_no": 1, "grade": "not_matching"}}})
	assert.True(t, got.RefundBlocked, "a not_matching grade blocks like a not-matching receipt")
	assert.Equal(t, http.StatusConflict, e.post(e.nearStaff, "warehouse/rmas/"+v.ID+"/reshipment",
		map[string]any{"carrier": "SF", "tracking_no": "R1"}).Code)
}
