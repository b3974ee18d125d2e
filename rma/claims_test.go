package rma_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"

	"github.com/aftersales/aftersales/rma"
)

func TestConcurrentRMAsForTheLastReturnableUnitAcceptExactlyOne(t *testing.T) {
	e := newEnv(t)
	e.open(e.body("return_refund", "no_reason", line(e.order, 2, 2))) // 1 of the 3 cables is left
	const racers = 4
	codes := make([]int, racers)
	tokens := make([]string, racers)
	for i := range tokens {
		tokens[i] = e.agent.tok()
	}
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.Do(http.MethodPost, "/api/v1/rmas", tokens[i], e.body("return_refund", "no_reason", line(e.order, 2, 1))).Code
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, count201(codes), "codes %v", codes)
	assert.Equal(t, racers-1, countCode(codes, http.StatusConflict), "codes %v", codes)
	assert.Equal(t, int64(2), e.Count(rma.RMAsCollection), "the losers left no RMA behind")
	assert.Equal(t, 3, e.claimed(e.order, 2))
}

func count201(codes []int) int { return countCode(codes, http.StatusCreated) }

func countCode(codes []int, want int) int {
	n := 0
	for _, c := range codes {
		if c == want {
			n++
		}
	}
	return n
}

func TestRMAForMoreThanIsLeftIsRefusedWithTheLineAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	e.open(e.body("return_refund", "no_reason", line(e.order, 2, 2)))
	r := e.post(e.agent, "rmas", e.body("return_refund", "no_reason", line(e.order, 2, 2)))
	assert.Equal(t, "only 1 of the 3 delivered are not on another RMA", details(t, r, "conflict")["lines[0].qty"])
	assert.Equal(t, int64(1), e.Count(rma.RMAsCollection))
	assert.Equal(t, 2, e.claimed(e.order, 2))
}

func TestMultiLineRMAGivesBackWhatItTookWhenALaterLineFails(t *testing.T) {
	e := newEnv(t)
	e.open(e.body("return_refund", "quality", line(e.order, 1, 1, "SN-AC-2")))
	r := e.post(e.agent, "rmas", e.body("return_refund", "quality", line(e.order, 2, 3), line(e.order, 1, 1, "SN-AC-2")))
	assert.Contains(t, details(t, r, "conflict"), "lines[1].serials", "the serial is on another open RMA")
	assert.Equal(t, 0, e.claimed(e.order, 2), "the cables taken by the first line were given back")
	assert.Equal(t, 1, e.claimed(e.order, 1))
	assert.Equal(t, int64(1), e.Count(rma.RMAsCollection))

	v := e.open(e.body("return_refund", "quality", line(e.order, 2, 3), line(e.order, 1, 1, "SN-AC-1")))
	assert.Equal(t, "requested", v.Status, "the other unit and all cables are still returnable")
}

func TestRejectionAndCancellationGiveTheQuantityBack(t *testing.T) {
	for _, tc := range []struct{ action, status string }{{"reject", "rejected"}, {"cancel", "cancelled"}} {
		t.Run(tc.action, func(t *testing.T) {
			e := newEnv(t)
			v := e.open(e.body("return_refund", "no_reason", line(e.order, 1, 2)))
			require.Equal(t, 2, e.claimed(e.order, 1))
			got := e.act(e.agent, "rmas/"+v.ID+"/"+tc.action, map[string]any{"reason": "customer changed their mind"})
			assert.Equal(t, tc.status, got.Status)
			assert.Equal(t, 0, e.claimed(e.order, 1))
			e.RunDue() // the release event repeats the release: nothing more is given back
			assert.Equal(t, 0, e.claimed(e.order, 1))
			e.open(e.body("return_refund", "no_reason", line(e.order, 1, 2)))
			assert.Equal(t, 2, e.claimed(e.order, 1))
		})
	}
}

func TestCancellingARoutedRMATellsTheWarehouseAndNotAfterArrival(t *testing.T) {
	e := newEnv(t)
	v := e.routed(e.body("return_refund", "no_reason", line(e.order, 2, 1)))
	e.act(e.agent, "rmas/"+v.ID+"/cancel", map[string]any{"reason": "customer keeps it"})
	e.RunDue()
	assert.Equal(t, []string{"rma.routed", "rma.cancelled"}, e.hooks.received())
	assert.Equal(t, 0, e.claimed(e.order, 2))

	w := e.routed(e.body("return_refund", "no_reason", line(e.order, 2, 1)))
	receive(e, w.ID, map[string]any{"line_no": 1, "qty_received": 1})
	r := e.post(e.agent, "rmas/"+w.ID+"/cancel", map[string]any{"reason": "too late"})
	assert.Equal(t, http.StatusConflict, r.Code, r.String())
}

func receive(e *env, id string, lines ...map[string]any) rma.View {
	e.t.Helper()
	return e.act(e.nearStaff, "warehouse/rmas/"+id+"/receipt", map[string]any{"lines": lines})
}

func TestBadRMARequestsAreRefusedPerFieldAndWriteNothing(t *testing.T) {
	e := newEnv(t)
	other := e.newCustomer("Li Si", "13987654321", 39.9, 116.4)
	otherOrder := e.sell(other, "T-2", "2026-02-27T02:00:00Z", saleLine(1, "AC-100", 1, "SN-LI-1"))
	undelivered := e.undelivered()
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown type", e.body("swap", "no_reason", line(e.order, 1, 1)), "type"},
		{"no lines", e.body("exchange", "quality"), "lines"},
		{"qty zero", e.body("exchange", "quality", line(e.order, 1, 0)), "lines[0].qty"},
		{"more than delivered", e.body("exchange", "quality", line(e.order, 1, 3)), "lines[0].qty"},
		{"serials not one per unit", e.body("exchange", "quality", line(e.order, 1, 2, "SN-AC-1")), "lines[0].serials"},
		{"serial of another line", e.body("exchange", "quality", line(e.order, 1, 1, "SN-LI-1")), "lines[0].serials[0]"},
		{"order of another customer", e.body("exchange", "quality", line(otherOrder, 1, 1)), "lines[0].sales_order_id"},
		{"no such order", e.body("exchange", "quality", line("SO-NOPE", 1, 1)), "lines[0].sales_order_id"},
		{"no such line", e.body("exchange", "quality", line(e.order, 9, 1)), "lines[0].order_line_no"},
		{"line twice", e.body("exchange", "quality", line(e.order, 1, 1), line(e.order, 1, 1)), "lines[1].order_line_no"},
		{"not delivered", e.body("exchange", "quality", line(undelivered, 1, 1)), "lines[0].order_line_no"},
		{"bad condition", e.body("exchange", "quality", map[string]any{"sales_order_id": e.order, "order_line_no": 1, "qty": 1,
			"condition": "mint"}), "lines[0].condition"},
		{"unknown field", map[string]any{"type": "exchange", "colour": "red"}, "colour"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post(e.agent, "rmas", tc.body)
			assert.Contains(t, details(t, r, "validation_failed"), tc.field)
		})
	}
	assert.Zero(t, e.Count(rma.RMAsCollection))
	assert.Zero(t, e.Count(rma.ClaimsCollection))
}

// undelivered imports an order of the customer whose line is not delivered yet.
func (e *env) undelivered() string {
	r := e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/sales-orders", e.agent.tok(), map[string]any{
		"shop": "tmall", "shop_order_no": "T-3", "customer_id": e.customer, "ordered_at": "2026-02-20T00:00:00Z",
		"currency": "CNY", "lines": []any{map[string]any{"line_no": 1, "sku": "CBL-1", "qty": 1, "unit_price": 1000}}}))
	return r.Map(e.t)["id"].(string)
}

// crashBeforeClaims makes RMA id look as if its creator died after inserting it and
// before claiming its lines: pending, and nothing held for it.
func (e *env) crashBeforeClaims(id string) {
	e.t.Helper()
	ctx := context.Background()
	ok, err := e.DB.Collection(rma.RMAsCollection).UpdateByID(ctx, id, bson.D{},
		bson.D{{Key: "$set", Value: bson.D{{Key: "claims_pending", Value: true}}}})
	require.NoError(e.t, err)
	require.True(e.t, ok)
	_, err = e.DB.Collection(rma.ClaimsCollection).UpdateMany(ctx, bson.D{},
		bson.D{{Key: "$set", Value: bson.D{{Key: "claimed", Value: 0}, {Key: "holds", Value: bson.A{}}, {Key: "serials", Value: bson.A{}}}}})
	require.NoError(e.t, err)
}

func TestClaimsCheckFinishesAnRMAWhoseCreatorDied(t *testing.T) {
	e := newEnv(t)
	v := e.open(e.body("return_refund", "no_reason", line(e.order, 1, 2)))
	e.crashBeforeClaims(v.ID)
	assert.Equal(t, http.StatusConflict, e.post(e.agent, "rmas/"+v.ID+"/approve", nil).Code, "not while its lines are pending")

	e.Clock.Advance(2 * time.Minute)
	assert.Contains(t, e.RunDue(), rma.TypeClaimsCheck)
	got := e.get(v.ID)
	assert.False(t, got.ClaimsPending)
	assert.Equal(t, "requested", got.Status)
	assert.Equal(t, 2, e.claimed(e.order, 1))
	e.act(e.agent, "rmas/"+v.ID+"/approve", nil)
}

func TestClaimsCheckRejectsAnRMAWhoseLinesWereTakenMeanwhile(t *testing.T) {
	e := newEnv(t)
	v := e.open(e.body("return_refund", "no_reason", line(e.order, 1, 2)))
	e.crashBeforeClaims(v.ID)
	other := e.open(e.body("return_refund", "no_reason", line(e.order, 1, 2)))

	e.Clock.Advance(2 * time.Minute)
	e.RunDue()
	got := e.get(v.ID)
	assert.Equal(t, "rejected", got.Status)
	assert.Equal(t, aggregate.System.Role, got.History[len(got.History)-1].Role)
	assert.Contains(t, got.EndReason, "lines[0].qty")
	assert.Equal(t, 2, e.claimed(e.order, 1), "the other RMA keeps what it holds")
	assert.Equal(t, "requested", e.get(other.ID).Status)
}

func TestListsFilterAndPage(t *testing.T) {
	e := newEnv(t)
	a := e.open(e.body("return_refund", "no_reason", line(e.order, 2, 1)))
	b := e.open(e.body("exchange", "quality", line(e.order, 1, 1, "SN-AC-1")))
	c := e.open(e.body("refund_only", "missing_item", line(e.order, 2, 1)))
	e.act(e.agent, "rmas/"+c.ID+"/reject", map[string]any{"reason": "found in the box"})
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{a.ID, b.ID, c.ID}},
		{"status=requested", []string{a.ID, b.ID}},
		{"type=exchange", []string{b.ID}},
		{"serial=sn-ac-1", []string{b.ID}},
		{"sales_order_id=" + e.order + "&status=rejected", []string{c.ID}},
		{"customer_id=CUS-nobody", []string{}},
	} {
		var page rma.List
		e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/rmas?"+tc.query, e.finance.tok(), nil)).JSON(t, &page)
		ids := []string{}
		for _, v := range page.Items {
			ids = append(ids, v.ID)
		}
		assert.Equal(t, tc.want, ids, tc.query)
	}
	var page rma.List
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/rmas?limit=2", e.agent.tok(), nil)).JSON(t, &page)
	require.Len(t, page.Items, 2)
	require.NotEmpty(t, page.NextCursor)
	var next rma.List
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/rmas?limit=2&cursor="+page.NextCursor, e.agent.tok(), nil)).JSON(t, &next)
	assert.Len(t, next.Items, 1)
	assert.Empty(t, next.NextCursor)
	assert.Contains(t, details(t, e.Do(http.MethodGet, "/api/v1/rmas?status=lost", e.agent.tok(), nil), "validation_failed"), "status")
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/rmas", e.nearStaff.tok(), nil).Code)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/warehouse/rmas", e.agent.tok(), nil).Code)
}
