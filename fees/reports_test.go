package fees_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestVarianceComparesQuotedWithPricedPerOrder(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	agent := e.As(auth.RoleAgent)
	q := e.quote(t, agent, quoteFor("SO-q")) // 340.00 for 12 km and one part
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/fees/quotes/"+q.ID+"/accept", agent,
		fees.AcceptInput{AcceptedByName: "韩梅梅", Channel: fees.ChannelInPerson}).Code)
	done := fees.Job{OrderID: "SO-q", OutletID: "OUT-1", ServiceType: fees.ServiceRepair, Category: "冰箱", Region: "440300",
		DistanceKm: 35, CompletedAt: at(2026, 3, 4, 10, 0), // farther than quoted: 50.00 travel instead of 20.00
		Parts: []fees.PartUse{{PartNo: "COMP-1", Qty: 1, ListPrice: 20000}}}
	e.price(t, done)
	noQuote := job("SO-nq", "OUT-1", at(2026, 3, 4, 11, 0))
	noQuote.InWarranty = false
	e.price(t, noQuote)
	e.price(t, job("SO-w", "OUT-1", at(2026, 3, 4, 12, 0))) // in warranty: not in the report

	res := e.Do(http.MethodGet, "/api/v1/fees/reports/variance?from=2026-03-04&to=2026-03-04", e.finance, nil)
	require.Equal(t, http.StatusOK, res.Code, res.String())
	var rep fees.VarianceReport
	res.JSON(t, &rep)
	require.Len(t, rep.Rows, 2)
	row := rep.Rows[0]
	assert.Equal(t, "SO-q", row.OrderID)
	require.NotNil(t, row.Quoted)
	assert.Equal(t, int64(34000), *row.Quoted)
	assert.Equal(t, int64(37000), row.Priced)
	assert.Equal(t, int64(3000), *row.Variance)
	assert.True(t, rep.Rows[1].QuoteMissing)
	assert.Equal(t, fees.VarianceTotals{Orders: 1, Quoted: 34000, Priced: 37000, Variance: 3000, QuoteMissing: 1}, rep.Totals["CNY"])

	var empty fees.VarianceReport
	e.Do(http.MethodGet, "/api/v1/fees/reports/variance?from=2026-03-05&to=2026-03-31", e.finance, nil).JSON(t, &empty)
	assert.Empty(t, empty.Rows)
	bad := e.Do(http.MethodGet, "/api/v1/fees/reports/variance?from=2026-03-05&to=2026-03-01", e.finance, nil)
	assert.Equal(t, http.StatusBadRequest, bad.Code)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/fees/reports/variance?from=2026-03-01&to=2026-03-02",
		e.outlet("OUT-1"), nil).Code)
}

func TestOutletTotalsShowStatementsAndUnsettledWork(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/fees/statements/"+id+"/submit", e.outlet("OUT-1"), nil).Code)
	e.price(t, job("SO-3a", "OUT-3", at(2026, 3, 31, 23, 30))) // after generation; 23:30 is night: 50.00 + 25.00

	res := e.Do(http.MethodGet, "/api/v1/fees/reports/outlets?period=2026-03", e.finance, nil)
	require.Equal(t, http.StatusOK, res.Code, res.String())
	var rep fees.OutletReport
	res.JSON(t, &rep)
	require.Len(t, rep.Outlets, 3)
	assert.Equal(t, fees.OutletTotal{OutletID: "OUT-1", StatementID: id, Status: fees.StatusSubmitted, Currency: "CNY",
		Lines: 3, Total: 22000}, rep.Outlets[0])
	assert.Equal(t, int64(5000), rep.Outlets[1].Total)
	assert.Equal(t, fees.OutletTotal{OutletID: "OUT-3", Currency: "CNY", Unsettled: 7500, UnsettledJobs: 1}, rep.Outlets[2])
	assert.Equal(t, map[string]int64{"CNY": 27000}, rep.Totals)
	assert.Equal(t, http.StatusBadRequest, e.Do(http.MethodGet, "/api/v1/fees/reports/outlets?period=03-2026", e.finance, nil).Code)
}
