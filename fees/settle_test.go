package fees_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestLateJobsJoinTheDraftOrRollToTheNextPeriod(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	e.RunDue() // the March jobs' events: already on the statement, nothing to do

	e.price(t, job("SO-late1", "OUT-1", at(2026, 3, 30, 16, 0)))
	assert.Contains(t, e.RunDue(), fees.TypeJobPriced)
	st := e.statement(t, e.finance, id)
	require.Len(t, st.Lines, 4, "a job priced while the statement is a draft joins it")
	assert.Equal(t, "SO-late1", st.Lines[3].OrderID)
	assert.Equal(t, 4, st.Lines[3].LineNo)
	assert.Equal(t, sumEffective(st.Lines), st.Total)

	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/submit", e.outlet("OUT-1"), nil).Code)
	e.price(t, job("SO-late2", "OUT-1", at(2026, 3, 31, 16, 0)))
	e.RunDue()
	assert.Len(t, e.statement(t, e.finance, id).Lines, 4, "a submitted statement takes no new lines")
	var late fees.PricedJob
	e.Do(http.MethodGet, "/api/v1/fees/priced-jobs/SO-late2", e.finance, nil).JSON(t, &late)
	assert.Equal(t, "2026-03", late.Period)
	assert.Equal(t, "2026-04", late.SettlePeriod, "rolled to the next period")
	assert.Empty(t, late.StatementID)

	e.price(t, job("SO-apr", "OUT-1", at(2026, 4, 10, 10, 0)))
	e.Clock.Set(at(2026, 5, 1, 1, 0))
	n, err := e.svc.GenerateDue(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	e.finance = e.As(auth.RoleFinance)
	var list fees.StatementList
	e.Do(http.MethodGet, "/api/v1/fees/statements?period=2026-04&outlet_id=OUT-1", e.finance, nil).JSON(t, &list)
	require.Len(t, list.Items, 1)
	april := e.statement(t, e.finance, list.Items[0].ID)
	require.Len(t, april.Lines, 2)
	assert.Equal(t, "SO-late2", april.Lines[0].OrderID)
	assert.Contains(t, april.Lines[0].Description, "settled late")
	assert.Equal(t, "SO-apr", april.Lines[1].OrderID)
}

func TestPeriodicRunSettlesLastMonthButNotTheRunningOne(t *testing.T) {
	e := march(t) // clock: 2 April
	e.price(t, job("SO-apr", "OUT-1", at(2026, 4, 1, 10, 0)))
	n, err := e.svc.GenerateDue(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 2, n, "OUT-1 and OUT-2 for March")
	assert.Equal(t, int64(2), e.Count(fees.StatementsCollection), "April is still running")
	n, err = e.svc.GenerateDue(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestAnOutletMayDisputeLinesOfItsDraft(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	outlet := e.outlet("OUT-1")
	base := "/api/v1/fees/statements/" + id
	res := e.Do(http.MethodPost, base+"/dispute", outlet, fees.DisputeInput{Lines: []fees.DisputeLine{{LineNo: 1, Reason: "漏计远程费"}}})
	require.Equal(t, http.StatusOK, res.Code, res.String())
	var st fees.Statement
	res.JSON(t, &st)
	assert.Equal(t, fees.StatusDisputed, st.Status)
	assert.Equal(t, fees.LineDisputed, st.Lines[0].Status)
	assert.Equal(t, "漏计远程费", st.Lines[0].DisputeReason)
	assert.NotEmpty(t, st.SubmittedBy, "disputing confirms the other lines")
	assert.Equal(t, 1, st.DisputedLines)

	assert.Equal(t, http.StatusConflict, e.Do(http.MethodPost, base+"/approve", e.finance, nil).Code, "disputed lines first")
	res = e.Do(http.MethodPost, base+"/adjust", e.finance, fees.AdjustInput{Lines: []fees.AdjustLine{{LineNo: 1, Amount: 7000, Reason: "remote 650000"}}})
	require.Equal(t, http.StatusOK, res.Code, res.String())
	assert.Equal(t, http.StatusOK, e.Do(http.MethodPost, base+"/approve", e.finance, nil).Code)
	assert.Equal(t, int64(24000), e.statement(t, e.finance, id).Total)
}

func TestStatementActionsValidateTheirLines(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	base := "/api/v1/fees/statements/" + id
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, base+"/submit", e.outlet("OUT-1"), nil).Code)
	before := e.statement(t, e.finance, id)
	cases := []struct {
		path   string
		body   any
		status int
		field  string
	}{
		{"/dispute", fees.DisputeInput{}, http.StatusBadRequest, "lines"},
		{"/dispute", fees.DisputeInput{Lines: []fees.DisputeLine{{LineNo: 9, Reason: "x"}}}, http.StatusBadRequest, "lines[0].line_no"},
		{"/dispute", fees.DisputeInput{Lines: []fees.DisputeLine{{LineNo: 1}}}, http.StatusBadRequest, "lines[0].reason"},
		{"/dispute", fees.DisputeInput{Lines: []fees.DisputeLine{{LineNo: 1, Reason: "a"}, {LineNo: 1, Reason: "b"}}}, http.StatusBadRequest, "lines[1].line_no"},
		{"/adjust", fees.AdjustInput{Lines: []fees.AdjustLine{{LineNo: 1, Amount: -5, Reason: "x"}}}, http.StatusBadRequest, "lines[0].amount"},
		{"/adjust", fees.AdjustInput{Lines: []fees.AdjustLine{{LineNo: 1, Amount: 5, Reason: "x"}}}, http.StatusConflict, ""},
		{"/pay", fees.PayInput{}, http.StatusBadRequest, "payment_ref"},
		{"/pay", fees.PayInput{PaymentRef: "too early"}, http.StatusConflict, ""},
		{"/approve", fees.ActionInput{Version: before.Revision - 1}, http.StatusConflict, ""},
	}
	for _, tc := range cases {
		res := e.Do(http.MethodPost, base+tc.path, e.finance, tc.body)
		assert.Equal(t, tc.status, res.Code, "%s %+v: %s", tc.path, tc.body, res.String())
		if tc.field != "" {
			assert.Contains(t, res.Map(t)["details"], tc.field, res.String())
		}
	}
	assert.Equal(t, before.Revision, e.statement(t, e.finance, id).Revision, "nothing was written")

	for _, period := range []string{"2026-13", "March", "2026-05"} {
		res := e.Do(http.MethodPost, "/api/v1/fees/statements/generate", e.finance, map[string]string{"period": period})
		assert.Equal(t, http.StatusBadRequest, res.Code, period)
	}
}
