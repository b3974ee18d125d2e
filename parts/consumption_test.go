package parts

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestConsumedSerialWithoutDefectiveReturnIsFlaggedAfterTheWindowAndClearedByTheScan(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-NEW-1")
	e.inVan(t, tec1, pcb, 0, "SN-NEW-1")
	techToken := e.tech("TEC-1", "OUT-1")

	r := e.Do(http.MethodPost, "/mobile/v1/parts/consumptions", techToken,
		ConsumeInput{OrderID: "SO-1", PartNo: pcb, NewSerial: "sn-new-1", DefectiveSerial: "old-1"})
	requireStatus(t, r, http.StatusCreated)
	var con Consumption
	r.JSON(t, &con)
	assert.True(t, con.ReturnRequired)
	assert.Equal(t, apitestStart().Add(14*24*time.Hour), *con.DefectiveDueAt)

	// Tokens live 15 minutes of the manual clock: sign in afresh after moving it.
	openOverdue := func() []Flag {
		var page struct{ Items []Flag }
		r := e.Do(http.MethodGet, "/api/v1/parts/flags?kind=defective_overdue&open=true", e.As(auth.RoleSupervisor), nil)
		requireStatus(t, r, http.StatusOK)
		r.JSON(t, &page)
		return page.Items
	}
	scan := func() {
		requireStatus(t, e.Do(http.MethodPost, "/api/v1/parts/flags/scan", e.As(auth.RoleSupervisor), nil), http.StatusOK)
	}
	e.Clock.Advance(14*24*time.Hour - time.Minute)
	scan()
	assert.Empty(t, openOverdue(), "not flagged inside the window")

	e.Clock.Advance(2 * time.Minute)
	scan()
	flags := openOverdue()
	require.Len(t, flags, 1, "flagged once the window has passed")
	assert.Equal(t, con.ID, flags[0].Ref)
	assert.Equal(t, "TEC-1", flags[0].TechnicianID)
	scan()
	assert.Len(t, openOverdue(), 1, "a second scan raises nothing new")

	r = e.Do(http.MethodPost, "/api/v1/parts/defective-returns", e.warehouse("WH-1"), ReturnInput{PartNo: pcb, Serial: "OLD-1"})
	requireStatus(t, r, http.StatusCreated)
	assert.Equal(t, con.ID, r.Map(t)["consumption_id"], "matched to the consumption by serial")
	assert.Empty(t, openOverdue(), "the scan cleared the flag")

	got, err := e.svc.Consumption(bg, admin, con.ID)
	require.NoError(t, err)
	assert.NotNil(t, got.DefectiveReturnedAt)
	assert.NotContains(t, got.Flags, FlagDefectiveOverdue)
	trace, err := e.svc.Serial(bg, admin, pcb, "OLD-1")
	require.NoError(t, err)
	assert.Equal(t, [2]string{"warehouse:WH-1", SerialDefectiveReturned}, [2]string{trace.Location, trace.State})
	fitted, err := e.svc.Serial(bg, admin, pcb, "SN-NEW-1")
	require.NoError(t, err)
	assert.Equal(t, [2]string{"unit:UNIT-1", SerialConsumed}, [2]string{fitted.Location, fitted.State})
	e.checkLedger(t)
}

func apitestStart() time.Time { return time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) }

func TestConsumptionWritesTheSwapIntoTheUnitsServiceHistory(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-NEW-1")
	e.inVan(t, tec1, pcb, 0, "SN-NEW-1")
	con, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: pcb, NewSerial: "SN-NEW-1", DefectiveSerial: "OLD-1"})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{TypeConsumed, "test:unit_touched"}, e.RunDue())
	touched := <-e.touched
	assert.Equal(t, "UNIT-1", touched["serial"])
	assert.Equal(t, "part_swap", touched["kind"])
	assert.Equal(t, con.ID, touched["ref"])
	assert.Equal(t, "part PCB-01 fitted on order SO-1, serial SN-NEW-1, replacing OLD-1", touched["summary"])
}

func TestTechnicianCannotRequisitionIntoAnotherTechniciansVan(t *testing.T) {
	e := newEnv(t)
	token := e.tech("TEC-2", "OUT-1")
	for _, path := range []string{"/mobile/v1/parts/requisitions"} {
		r := e.Do(http.MethodPost, path, token, RequisitionInput{FromWarehouse: "WH-1", To: "van:TEC-1",
			Lines: []LineInput{{PartNo: fan, Qty: 1}}})
		requireStatus(t, r, http.StatusNotFound)
		assert.Equal(t, map[string]string{"to": "location not found"}, errBody(t, r).Details)
	}
	assert.Equal(t, int64(0), e.Count(RequisitionsCollection), "nothing was written")

	r := e.Do(http.MethodPost, "/mobile/v1/parts/requisitions", token, RequisitionInput{FromWarehouse: "WH-1",
		Lines: []LineInput{{PartNo: fan, Qty: 1}}})
	requireStatus(t, r, http.StatusCreated)
	assert.Equal(t, "van:TEC-2", r.Map(t)["to"], "by default into their own van")
}

func TestTechnicianCannotConsumeASerialTheyWereNeverIssued(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-A", "SN-B")
	e.inVan(t, tec2, pcb, 0, "SN-B")
	token := e.tech("TEC-1", "OUT-1")
	ledgerBefore := e.Count(LedgerCollection)

	for _, tc := range []struct{ name, serial string }{
		{"another technician's van", "SN-B"},
		{"still on the warehouse shelf", "SN-A"},
		{"unknown to the system", "SN-NOPE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, "/mobile/v1/parts/consumptions", token,
				ConsumeInput{OrderID: "SO-1", PartNo: pcb, NewSerial: tc.serial, DefectiveSerial: "OLD-1"})
			requireStatus(t, r, http.StatusConflict)
			assert.Equal(t, map[string]string{"new_serial": "serial " + tc.serial + " was not issued to this van"}, errBody(t, r).Details)
		})
	}
	assert.Equal(t, int64(0), e.Count(ConsumptionsCollection), "no consumption was recorded")
	assert.Equal(t, ledgerBefore, e.Count(LedgerCollection), "the ledger is untouched")
	onHand, _ := e.level(t, "van:TEC-2", pcb)
	assert.Equal(t, int64(1), onHand, "SN-B is still in TEC-2's van")

	r := e.Do(http.MethodPost, "/mobile/v1/parts/consumptions", token, ConsumeInput{OrderID: "SO-3", PartNo: fan})
	requireStatus(t, r, http.StatusNotFound)
	assert.Equal(t, map[string]string{"order_id": "order not found"}, errBody(t, r).Details, "another technician's order")
	e.checkLedger(t)
}

func TestConsumingANonSerialisedPartTakesItFromTheVan(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 5)
	e.inVan(t, tec1, fan, 2)
	_, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: fan, Qty: 3})
	assert.ErrorIs(t, err, apperr.ErrConflict, "only two in the van")
	_, err = e.svc.UpdatePart(bg, admin, fan, PartUpdate{Version: 1, Active: ptr(false)})
	require.NoError(t, err)
	_, err = e.svc.CreateRequisition(bg, tec1, RequisitionInput{FromWarehouse: "WH-1", Lines: []LineInput{{PartNo: fan, Qty: 1}}})
	assert.ErrorIs(t, err, apperr.ErrValidation, "a part out of the catalog cannot be requested")
	_, err = e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: fan, Qty: 2})
	require.NoError(t, err, "but what is in the van can still be fitted")
	onHand, _ := e.level(t, "van:TEC-1", fan)
	assert.Equal(t, int64(0), onHand)
	assert.Equal(t, int64(1), e.Count(ConsumptionsCollection))
	e.checkLedger(t)
}

func TestOutOfWarrantyConsumptionWithoutAcceptedQuoteIsFlagged(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 5)
	e.inVan(t, tec1, fan, 2)
	e.orders.add(OrderInfo{ID: "SO-4", TechnicianID: "TEC-1", OutletID: "OUT-1", UnitSerial: "UNIT-4", CustomerQuoteAccepted: true})

	paid, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-4", PartNo: fan})
	require.NoError(t, err)
	assert.Empty(t, paid.Flags, "out of warranty but the customer accepted the quote")
	unpaid, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-2", PartNo: fan})
	require.NoError(t, err)
	assert.Equal(t, []string{FlagOutOfWarrantyNoQuote}, unpaid.Flags)

	flags, err := e.svc.Flags(bg, supervisor, FlagFilter{Kind: FlagOutOfWarrantyNoQuote}, firstPage)
	require.NoError(t, err)
	require.Len(t, flags.Items, 1)
	assert.Equal(t, unpaid.ID, flags.Items[0].Ref)
	assert.Equal(t, "OUT-1", flags.Items[0].OutletID)
}

func TestAReturnedSerialNoConsumptionReplacedIsFlaggedUntilTheConsumptionArrives(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-NEW-1")
	e.inVan(t, tec1, pcb, 0, "SN-NEW-1")

	ret, err := e.svc.ScanReturn(bg, wh1, ReturnInput{PartNo: pcb, Serial: "OLD-9", TechnicianID: "TEC-1"})
	require.NoError(t, err)
	assert.Empty(t, ret.ConsumptionID)
	open := func() int {
		page, err := e.svc.Flags(bg, supervisor, FlagFilter{Kind: FlagReturnedNeverConsumed, Open: ptr(true)}, firstPage)
		require.NoError(t, err)
		return len(page.Items)
	}
	assert.Equal(t, 1, open())
	_, err = e.svc.ScanReturn(bg, wh1, ReturnInput{PartNo: pcb, Serial: "OLD-9"})
	assert.ErrorIs(t, err, apperr.ErrConflict, "the same defective serial is not scanned in twice")

	// The technician's phone was offline; the consumption syncs after the part came back.
	con, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: pcb, NewSerial: "SN-NEW-1", DefectiveSerial: "OLD-9"})
	require.NoError(t, err)
	assert.NotNil(t, con.DefectiveReturnedAt, "matched to the earlier return")
	assert.Equal(t, ret.ID, con.ReturnID)
	assert.Equal(t, 0, open(), "the flag cleared")
	e.RunDue() // the consumption's follow-up event finds it all done
	assert.Equal(t, 0, open())
}

func TestScanningOneDefectivePartTwiceMatchesOnce(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", hose, 4)
	e.inVan(t, tec1, hose, 1)
	_, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: hose, DefectiveSerial: "HOSE-OLD"})
	require.NoError(t, err)
	_, err = e.svc.ScanReturn(bg, wh1, ReturnInput{PartNo: hose, Serial: "HOSE-OLD"})
	require.NoError(t, err)
	_, err = e.svc.ScanReturn(bg, wh1, ReturnInput{PartNo: hose, Serial: "HOSE-OLD"})
	assert.ErrorIs(t, err, apperr.ErrConflict)
	assert.Equal(t, int64(1), e.count(ReturnsCollection, bson.D{}))
}

func TestConcurrentScansOfOneDefectivePartMatchOnce(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", hose, 4)
	e.inVan(t, tec1, hose, 1)
	con, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: hose, DefectiveSerial: "HOSE-OLD"})
	require.NoError(t, err)
	matched := make(chan string, 5)
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := e.svc.ScanReturn(bg, wh1, ReturnInput{PartNo: hose, Serial: "HOSE-OLD"}); err == nil {
				matched <- r.ConsumptionID
			}
		}()
	}
	wg.Wait()
	close(matched)
	require.Len(t, matched, 1, "one scan matches; the others are refused")
	assert.Equal(t, con.ID, <-matched)
	assert.Equal(t, int64(1), e.count(ReturnsCollection, bson.D{}))
	assert.Zero(t, e.count(FlagsCollection, bson.D{{Key: "kind", Value: FlagReturnedNeverConsumed}}), "no loser was booked as a stray")
}

func ptr[T any](v T) *T { return &v }

func TestUsedOnSumsAnOrdersConsumptionsPerPartAtTheirListPrice(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 5)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-NEW-1")
	e.inVan(t, tec1, fan, 5)
	e.inVan(t, tec1, pcb, 0, "SN-NEW-1")
	for _, in := range []ConsumeInput{
		{OrderID: "SO-1", PartNo: fan, Qty: 2},
		{OrderID: "SO-1", PartNo: pcb, NewSerial: "SN-NEW-1", DefectiveSerial: "OLD-1"},
		{OrderID: "SO-1", PartNo: fan, Qty: 1},
		{OrderID: "SO-2", PartNo: fan, Qty: 1}, // another order's
	} {
		_, err := e.svc.Consume(bg, tec1, in)
		require.NoError(t, err)
		e.Clock.Advance(time.Minute)
	}
	used, err := e.svc.UsedOn(bg, "SO-1")
	require.NoError(t, err)
	assert.Equal(t, []PartUsage{{PartNo: fan, Qty: 3, ListPrice: 2500, Currency: "CNY"},
		{PartNo: pcb, Qty: 1, ListPrice: 45000, Currency: "CNY"}}, used)
	none, err := e.svc.UsedOn(bg, "SO-3")
	require.NoError(t, err)
	assert.Empty(t, none)
}
