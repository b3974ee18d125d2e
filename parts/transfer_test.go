package parts

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
)

func TestATransferHoldsStockAtTheSourceUntilTheDestinationReceivesIt(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-2", fan, 6)
	e.goodsIn(t, "WH-2", pcb, 0, "SN-1", "SN-2")
	r := e.Do(http.MethodPost, "/api/v1/parts/transfers", e.warehouse("WH-2"), TransferInput{From: "warehouse:WH-2", To: "warehouse:WH-1",
		Lines: []TransferLine{{PartNo: fan, Qty: 4}, {PartNo: pcb, Serials: []string{"sn-1"}}}})
	requireStatus(t, r, http.StatusCreated)
	var trf Transfer
	r.JSON(t, &trf)
	assert.Equal(t, TransferShipped, trf.Status)
	onHand, reserved := e.level(t, "warehouse:WH-2", fan)
	assert.Equal(t, [2]int64{2, 4}, [2]int64{onHand, reserved})

	r = e.Do(http.MethodPost, "/api/v1/parts/transfers/"+trf.ID+"/receive", e.warehouse("WH-2"), nil)
	requireStatus(t, r, http.StatusForbidden)
	r = e.Do(http.MethodPost, "/api/v1/parts/transfers/"+trf.ID+"/receive", e.warehouse("WH-1"), nil)
	requireStatus(t, r, http.StatusOK)
	r.JSON(t, &trf)
	assert.Equal(t, TransferReceived, trf.Status)

	_, reserved = e.level(t, "warehouse:WH-2", fan)
	arrived, _ := e.level(t, "warehouse:WH-1", fan)
	assert.Equal(t, [2]int64{0, 4}, [2]int64{reserved, arrived})
	trace, err := e.svc.Serial(bg, admin, pcb, "SN-1")
	require.NoError(t, err)
	assert.Equal(t, [2]string{"warehouse:WH-1", SerialInStock}, [2]string{trace.Location, trace.State})
	e.checkLedger(t)
}

func TestATechnicianSendsUnusedPartsBackAndTheWarehouseSeesIt(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 3)
	e.inVan(t, tec1, fan, 3)
	tech := e.tech("TEC-1", "OUT-1")
	r := e.Do(http.MethodPost, "/mobile/v1/parts/transfers", tech, TransferInput{From: "van:TEC-2", To: "warehouse:WH-1",
		Lines: []TransferLine{{PartNo: fan, Qty: 1}}})
	requireStatus(t, r, http.StatusNotFound) // not their van
	r = e.Do(http.MethodPost, "/mobile/v1/parts/transfers", tech, TransferInput{From: "van:TEC-1", To: "warehouse:WH-1",
		Lines: []TransferLine{{PartNo: fan, Qty: 2}}})
	requireStatus(t, r, http.StatusCreated)
	id := r.Map(t)["id"].(string)

	page, err := e.svc.Transfers(bg, wh1, "", firstPage)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "the destination warehouse sees the transfer")
	page, err = e.svc.Transfers(bg, out1, "", firstPage)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "so does the technician's outlet")
	_, err = e.svc.Transfer(bg, tec2, id)
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another technician does not")

	_, err = e.svc.CancelTransfer(bg, tec1, id)
	require.NoError(t, err)
	van, _ := e.level(t, "van:TEC-1", fan)
	assert.Equal(t, int64(3), van, "cancelled: back on hand in the van")
	e.checkLedger(t)
}

func TestATransferOfStockThatIsNotThereIsRefusedAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 1)
	ledger := e.Count(LedgerCollection)
	for _, tc := range []struct {
		name string
		in   TransferInput
		code apperr.Code
		want map[string]string
	}{
		{"too many", TransferInput{From: "warehouse:WH-1", To: "warehouse:WH-2", Lines: []TransferLine{{PartNo: fan, Qty: 2}}},
			apperr.CodeConflict, map[string]string{"lines[0].qty": "only 1 on hand at warehouse:WH-1"}},
		{"to itself", TransferInput{From: "warehouse:WH-1", To: "warehouse:WH-1", Lines: []TransferLine{{PartNo: fan, Qty: 1}}},
			apperr.CodeValidation, map[string]string{"to": "must differ from from"}},
		{"serials of a plain part", TransferInput{From: "warehouse:WH-1", To: "warehouse:WH-2", Lines: []TransferLine{{PartNo: fan, Serials: []string{"X"}}}},
			apperr.CodeValidation, map[string]string{"lines[0].serials": "the part is not serialised"}},
		{"unknown destination", TransferInput{From: "warehouse:WH-1", To: "outlet:OUT-9", Lines: []TransferLine{{PartNo: fan, Qty: 1}}},
			apperr.CodeNotFound, map[string]string{"to": "location not found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.svc.CreateTransfer(bg, wh1, tc.in)
			var ae *apperr.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, tc.want, ae.Details)
		})
	}
	assert.Zero(t, e.Count(TransfersCollection))
	assert.Equal(t, ledger, e.Count(LedgerCollection))
}
