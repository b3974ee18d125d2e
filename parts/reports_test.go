package parts

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/auth"
)

func TestRequisitionsFarAboveConsumptionAreFlaggedAndClearWhenTheyFallBack(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 20)
	e.inVan(t, tec1, fan, 7) // 7 requested, nothing consumed
	e.inVan(t, tec2, fan, 4) // below the minimum of 5
	res, err := e.svc.ScanFlags(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, res.RatioRaised)
	flags, err := e.svc.Flags(bg, supervisor, FlagFilter{Kind: FlagRequisitionRatio, Open: ptr(true)}, firstPage)
	require.NoError(t, err)
	require.Len(t, flags.Items, 1)
	assert.Equal(t, "TEC-1", flags.Items[0].TechnicianID)
	assert.Equal(t, "requested 7 units but consumed 0 in the last 30 days", flags.Items[0].Detail)

	for i := 0; i < 3; i++ { // 7 requested is no longer more than 3 × 3 consumed
		_, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: fan})
		require.NoError(t, err)
	}
	res, err = e.svc.ScanFlags(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, res.RatioCleared)

	e.Clock.Advance(31 * 24 * time.Hour)
	e.inVan(t, tec1, fan, 6)
	res, err = e.svc.ScanFlags(bg)
	require.NoError(t, err)
	assert.Equal(t, 1, res.RatioRaised, "a new window: raised again")
	flags, err = e.svc.Flags(bg, supervisor, FlagFilter{Kind: FlagRequisitionRatio, Open: ptr(true)}, firstPage)
	require.NoError(t, err)
	require.Len(t, flags.Items, 1)
	assert.Equal(t, e.Clock.Now(), flags.Items[0].RaisedAt)
}

func TestActivityReportsCountPerTechnicianAndOutlet(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", hose, 10)
	e.inVan(t, tec1, hose, 3)
	e.inVan(t, tec2, hose, 2)
	first, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: hose, DefectiveSerial: "H-OLD-1"})
	require.NoError(t, err)
	_, err = e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-2", PartNo: hose, DefectiveSerial: "H-OLD-2"})
	require.NoError(t, err)
	_, err = e.svc.ScanReturn(bg, wh1, ReturnInput{PartNo: hose, Serial: "H-OLD-1"})
	require.NoError(t, err)
	_, err = e.svc.ScanReturn(bg, wh1, ReturnInput{PartNo: hose, Serial: "H-STRAY", TechnicianID: "TEC-2"})
	require.NoError(t, err)
	from, to := e.Clock.Now().Add(-time.Hour), e.Clock.Now().Add(time.Hour)

	byTech, err := e.svc.Activity(bg, supervisor, ByTechnician, from, to)
	require.NoError(t, err)
	assert.Equal(t, []ActivityRow{
		{TechnicianID: "TEC-1", OutletID: "OUT-1", Issued: 3, Consumed: 2, Returned: 1, Unmatched: 1,
			Flags: map[string]int64{FlagOutOfWarrantyNoQuote: 1}},
		{TechnicianID: "TEC-2", OutletID: "OUT-1", Issued: 2, Flags: map[string]int64{FlagReturnedNeverConsumed: 1}},
	}, byTech.Rows)
	assert.NotEmpty(t, first.ID)

	byOutlet, err := e.svc.Activity(bg, out1, ByOutlet, from, to)
	require.NoError(t, err)
	assert.Equal(t, []ActivityRow{{OutletID: "OUT-1", Issued: 5, Consumed: 2, Returned: 1, Unmatched: 1,
		Flags: map[string]int64{FlagOutOfWarrantyNoQuote: 1, FlagReturnedNeverConsumed: 1}}}, byOutlet.Rows)

	own, err := e.svc.Activity(bg, tec2, ByTechnician, from, to)
	require.NoError(t, err)
	require.Len(t, own.Rows, 1, "a technician sees only their own row")
	assert.Equal(t, "TEC-2", own.Rows[0].TechnicianID)

	r := e.Do(http.MethodGet, "/api/v1/parts/reports/technicians?from=bad", e.As(auth.RoleFinance), nil)
	requireStatus(t, r, http.StatusBadRequest)
	assert.Equal(t, map[string]string{"from": "must be an RFC 3339 time"}, errBody(t, r).Details)
	r = e.Do(http.MethodGet, "/api/v1/parts/reports/outlets", e.As(auth.RoleFinance), nil)
	requireStatus(t, r, http.StatusOK)
}

func TestValuationIsQuantityTimesUnitCostPerLocation(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 10)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-1", "SN-2")
	e.inVan(t, tec1, fan, 2)
	e.inVan(t, tec3, pcb, 0, "SN-1")

	v, err := e.svc.Valuation(bg, finance, "")
	require.NoError(t, err)
	assert.Equal(t, []LocationValue{
		{Location: "van:TEC-1", Value: 2 * 1500, Lines: []ValuationLine{{PartNo: fan, OnHand: 2, UnitCost: 1500, Value: 3000}}},
		{Location: "van:TEC-3", Value: 30000, Lines: []ValuationLine{{PartNo: pcb, OnHand: 1, UnitCost: 30000, Value: 30000}}},
		{Location: "warehouse:WH-1", Value: 8*1500 + 30000, Lines: []ValuationLine{
			{PartNo: fan, OnHand: 8, UnitCost: 1500, Value: 12000}, {PartNo: pcb, OnHand: 1, UnitCost: 30000, Value: 30000}}},
	}, v.Locations)
	assert.Equal(t, int64(3000+30000+42000), v.Total)
	assert.Equal(t, "CNY", v.Currency)

	mine, err := e.svc.Valuation(bg, out1, "")
	require.NoError(t, err)
	require.Len(t, mine.Locations, 1, "OUT-1 sees its technicians' vans")
	assert.Equal(t, "van:TEC-1", mine.Locations[0].Location)
	r := e.Do(http.MethodGet, "/api/v1/parts/valuation?location=van:TEC-3", e.outlet("OUT-1"), nil)
	requireStatus(t, r, http.StatusNotFound)
}
