package fees_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/auth"
)

// march prices March 2026 work (three brand-paid jobs of OUT-1, one of OUT-2, one
// customer-paid of OUT-1), moves the clock to 2 April and returns fresh tokens' env.
func march(t *testing.T) *env {
	e := newEnv(t)
	e.defaultSchedule(t)
	for i, day := range []int{3, 4, 5} {
		j := job("SO-1"+string(rune('a'+i)), "OUT-1", at(2026, 3, day, 10, 0))
		j.DistanceKm = float64(5 + 15*i) // travel 0, 20.00, 50.00
		e.price(t, j)
	}
	e.price(t, job("SO-2a", "OUT-2", at(2026, 3, 6, 10, 0)))
	paid := job("SO-1x", "OUT-1", at(2026, 3, 7, 10, 0))
	paid.InWarranty = false
	e.price(t, paid)
	e.Clock.Set(at(2026, 4, 2, 9, 0))
	e.finance = e.As(auth.RoleFinance)
	return e
}

func statementOf(t *testing.T, sts []fees.StatementSummary, outletID string) fees.StatementSummary {
	t.Helper()
	for _, s := range sts {
		if s.OutletID == outletID {
			return s
		}
	}
	t.Fatalf("no statement of %s in %+v", outletID, sts)
	return fees.StatementSummary{}
}

func TestTheSamePeriodGeneratedTwiceYieldsOneStatement(t *testing.T) {
	e := march(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.GenerateStatements(context.Background(), fees.System, "2026-03")
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(2), e.Count(fees.StatementsCollection), "concurrent runs create one per outlet")

	first := e.generate(t, "2026-03")
	second := e.generate(t, "2026-03")
	require.Len(t, first, 2)
	assert.Equal(t, first, second)
	n, err := e.svc.GenerateDue(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left to settle")
	assert.Equal(t, int64(2), e.Count(fees.StatementsCollection))

	st := e.statement(t, e.finance, statementOf(t, first, "OUT-1").ID)
	assert.Equal(t, fees.StatusDraft, st.Status)
	assert.Equal(t, "2026-03", st.Period)
	require.Len(t, st.Lines, 3, "the customer-paid job is not the brand's to settle")
	assert.Equal(t, []int64{5000, 7000, 10000}, []int64{st.Lines[0].Amount, st.Lines[1].Amount, st.Lines[2].Amount})
	assert.Equal(t, int64(22000), st.Total)
	assert.Contains(t, st.Lines[0].Description, "维修")
}

func TestStatementTotalEqualsTheSumOfItsLinesThroughDisputesAndAdjustments(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	outlet := e.outlet("OUT-1")
	base := "/api/v1/fees/statements/" + id
	steps := []struct {
		tok, path string
		body      any
		status    string
		total     int64
	}{
		{outlet, "/submit", nil, fees.StatusSubmitted, 22000},
		{e.finance, "/dispute", fees.DisputeInput{Lines: []fees.DisputeLine{{LineNo: 2, Reason: "路程不足 10 km"}, {LineNo: 3, Reason: "no photo"}}},
			fees.StatusDisputed, 22000},
		{e.finance, "/adjust", fees.AdjustInput{Lines: []fees.AdjustLine{{LineNo: 2, Amount: 5000, Reason: "按 0–10 km 计"}}},
			fees.StatusDisputed, 20000},
		{e.finance, "/adjust", fees.AdjustInput{Lines: []fees.AdjustLine{{LineNo: 3, Amount: 0, Reason: "no proof of visit"}}},
			fees.StatusAdjusted, 10000},
		{e.finance, "/dispute", fees.DisputeInput{Lines: []fees.DisputeLine{{LineNo: 3, Reason: "photo found"}}}, fees.StatusDisputed, 10000},
		{e.finance, "/adjust", fees.AdjustInput{Lines: []fees.AdjustLine{{LineNo: 3, Amount: 10000, Reason: "restored"}}},
			fees.StatusAdjusted, 20000},
		{e.finance, "/approve", nil, fees.StatusApproved, 20000},
		{e.finance, "/pay", fees.PayInput{PaymentRef: "BANK-2026-04-001"}, fees.StatusPaid, 20000},
	}
	for i, s := range steps {
		res := e.Do(http.MethodPost, base+s.path, s.tok, s.body)
		require.Equal(t, http.StatusOK, res.Code, "step %d %s: %s", i, s.path, res.String())
		st := e.statement(t, e.finance, id)
		assert.Equal(t, s.status, st.Status, "step %d", i)
		assert.Equal(t, s.total, st.Total, "step %d", i)
		assert.Equal(t, sumEffective(st.Lines), st.Total, "step %d: total is the sum of the lines", i)
	}
	st := e.statement(t, e.finance, id)
	assert.Equal(t, fees.LineAdjusted, st.Lines[1].Status)
	assert.Equal(t, "按 0–10 km 计", st.Lines[1].AdjustedReason)
	assert.NotEmpty(t, st.Lines[1].AdjustedBy)
	assert.Equal(t, fees.LineOK, st.Lines[0].Status)
	assert.Equal(t, "BANK-2026-04-001", st.PaymentRef)
	assert.NotEmpty(t, st.SubmittedBy)
	assert.NotEmpty(t, st.ApprovedBy)
}

func TestAnOutletCannotApproveItsOwnStatement(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	outlet := e.outlet("OUT-1")
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/submit", outlet, nil).Code)
	res := e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/approve", outlet, nil)
	assert.Equal(t, http.StatusForbidden, res.Code, res.String())
	for _, path := range []string{"/adjust", "/pay"} {
		assert.Equal(t, http.StatusBadRequest, e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+path, outlet, map[string]any{}).Code)
	}
	res = e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/pay", outlet, fees.PayInput{PaymentRef: "self"})
	assert.Equal(t, http.StatusForbidden, res.Code, res.String())
	assert.Equal(t, fees.StatusSubmitted, e.statement(t, e.finance, id).Status)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/submit", e.finance, nil).Code,
		"only the outlet confirms its statement")
}

func TestFinanceCannotChangeAPaidStatement(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	base := "/api/v1/fees/statements/" + id
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, base+"/submit", e.outlet("OUT-1"), nil).Code)
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, base+"/approve", e.finance, nil).Code)
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, base+"/pay", e.finance, fees.PayInput{PaymentRef: "BANK-1"}).Code)
	paid := e.statement(t, e.finance, id)

	attempts := []struct {
		path string
		body any
	}{
		{"/dispute", fees.DisputeInput{Lines: []fees.DisputeLine{{LineNo: 1, Reason: "late"}}}},
		{"/adjust", fees.AdjustInput{Lines: []fees.AdjustLine{{LineNo: 1, Amount: 1, Reason: "late"}}}},
		{"/approve", nil},
		{"/pay", fees.PayInput{PaymentRef: "BANK-2"}},
	}
	for _, a := range attempts {
		res := e.Do(http.MethodPost, base+a.path, e.finance, a.body)
		assert.Equal(t, http.StatusConflict, res.Code, "%s: %s", a.path, res.String())
	}
	e.price(t, job("SO-late", "OUT-1", at(2026, 3, 20, 10, 0)))
	e.RunDue()
	after := e.statement(t, e.finance, id)
	assert.Equal(t, paid.Revision, after.Revision, "nothing was written")
	assert.Equal(t, paid.Lines, after.Lines)
	assert.Equal(t, "BANK-1", after.PaymentRef)
}

func TestOutletsSeeOnlyTheirOwnStatements(t *testing.T) {
	e := march(t)
	sts := e.generate(t, "2026-03")
	mine, theirs := statementOf(t, sts, "OUT-1").ID, statementOf(t, sts, "OUT-2").ID
	outlet := e.outlet("OUT-1")

	var list fees.StatementList
	e.Do(http.MethodGet, "/api/v1/fees/statements?outlet_id=OUT-2", outlet, nil).JSON(t, &list)
	require.Len(t, list.Items, 1)
	assert.Equal(t, mine, list.Items[0].ID)
	for _, path := range []string{"", "/export.csv"} {
		assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/fees/statements/"+theirs+path, outlet, nil).Code)
	}
	for _, path := range []string{"/submit", "/approve"} {
		assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, "/api/v1/fees/statements/"+theirs+path, outlet, nil).Code)
	}
	assert.Equal(t, fees.StatusDraft, e.statement(t, e.finance, theirs).Status)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/fees/statements", e.As(auth.RoleAgent), nil).Code)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, "/api/v1/fees/statements/generate", outlet,
		map[string]string{"period": "2026-03"}).Code)
}

func TestFinanceListsStatementsByStatusAndPeriod(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/submit", e.outlet("OUT-1"), nil).Code)
	cases := map[string]int{"": 2, "?status=submitted": 1, "?status=draft&period=2026-03": 1, "?period=2026-02": 0,
		"?outlet_id=OUT-2": 1}
	for query, want := range cases {
		var list fees.StatementList
		res := e.Do(http.MethodGet, "/api/v1/fees/statements"+query, e.finance, nil)
		require.Equal(t, http.StatusOK, res.Code, res.String())
		res.JSON(t, &list)
		assert.Len(t, list.Items, want, query)
	}
	res := e.Do(http.MethodGet, "/api/v1/fees/statements?status=lost&period=March", e.finance, nil)
	assert.Equal(t, http.StatusBadRequest, res.Code)
	assert.Len(t, res.Map(t)["details"], 2)
}

func TestTwoConcurrentApprovalsOneWins(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/submit", e.outlet("OUT-1"), nil).Code)
	tokens := []string{e.finance, e.As(auth.RoleFinance)}
	codes := make([]int, len(tokens))
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/approve", tok, nil).Code
		}()
	}
	wg.Wait()
	assert.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, codes)
	st := e.statement(t, e.finance, id)
	approvals := 0
	for _, h := range st.History {
		if h.Action == "approved" {
			approvals++
		}
	}
	assert.Equal(t, 1, approvals)
}

func TestARetriedSubmitWithTheSameIdempotencyKeyIsAppliedOnce(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	outlet := e.outlet("OUT-1")
	first := e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/submit", outlet, fees.ActionInput{Note: "确认"}, "Idempotency-Key", "submit-1")
	again := e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/submit", outlet, fees.ActionInput{Note: "确认"}, "Idempotency-Key", "submit-1")
	require.Equal(t, http.StatusOK, first.Code, first.String())
	assert.Equal(t, http.StatusOK, again.Code, "the replay answers the first result, not 409")
	assert.JSONEq(t, string(first.Body), string(again.Body))
	assert.Equal(t, int64(2), e.statement(t, e.finance, id).Revision)
}
