package parts

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestCatalogIsManagedByAdminsAndReadByStaff(t *testing.T) {
	e := newEnv(t)
	adm := e.As(auth.RoleAdmin)
	in := PartInput{PartNo: " valve-7 ", Name: "Inlet valve", UnitCost: 900, ListPrice: 1500, CompatibleCategories: []string{"Dish-Washer"}}
	r := e.Do(http.MethodPost, "/api/v1/parts/catalog", adm, in)
	requireStatus(t, r, http.StatusCreated)
	var p Part
	r.JSON(t, &p)
	assert.Equal(t, "VALVE-7", p.PartNo)
	assert.Equal(t, []string{"dish_washer"}, p.CompatibleCategories)
	assert.Equal(t, "CNY", p.Currency)

	requireStatus(t, e.Do(http.MethodPost, "/api/v1/parts/catalog", adm, in), http.StatusConflict)
	requireStatus(t, e.Do(http.MethodPost, "/api/v1/parts/catalog", e.warehouse("WH-1"), in), http.StatusForbidden)

	r = e.Do(http.MethodPatch, "/api/v1/parts/catalog/valve-7", adm, map[string]any{"version": 1, "unit_cost": 950, "active": false})
	requireStatus(t, r, http.StatusOK)
	r.JSON(t, &p)
	assert.Equal(t, [2]any{int64(950), false}, [2]any{p.UnitCost, p.Active})
	r = e.Do(http.MethodPatch, "/api/v1/parts/catalog/VALVE-7", adm, map[string]any{"version": 1, "name": "stale"})
	requireStatus(t, r, http.StatusConflict)
	assert.Equal(t, apperr.CodeVersionConflict, errBody(t, r).Code)
	r = e.Do(http.MethodPatch, "/api/v1/parts/catalog/VALVE-7", adm, map[string]any{"version": 2, "serialised": true})
	requireStatus(t, r, http.StatusBadRequest)
	assert.Equal(t, map[string]string{"serialised": "unknown field"}, errBody(t, r).Details, "serialised never changes")

	r = e.Do(http.MethodGet, "/mobile/v1/parts/catalog?category=dish%20washer&active=false", e.tech("TEC-1", "OUT-1"), nil)
	requireStatus(t, r, http.StatusOK)
	var page struct{ Items []Part }
	r.JSON(t, &page)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "VALVE-7", page.Items[0].PartNo)
}

func TestBadCatalogEntriesAreRefusedWithDetails(t *testing.T) {
	e := newEnv(t)
	before := e.Count(CatalogCollection)
	for _, tc := range []struct {
		name string
		in   PartInput
		want map[string]string
	}{
		{"blank", PartInput{}, map[string]string{"part_no": "is required", "name": "is required"}},
		{"negative cost", PartInput{PartNo: "X-1", Name: "x", UnitCost: -1}, map[string]string{"unit_cost": "must be between 0 and 1e+11"}},
		{"bad part number", PartInput{PartNo: "A|B", Name: "x"}, map[string]string{"part_no": "must be 1-64 letters, digits, '.', '_' or '-'"}},
		{"foreign currency", PartInput{PartNo: "X-1", Name: "x", Currency: "usd"}, map[string]string{"currency": "parts are priced in CNY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, "/api/v1/parts/catalog", e.As(auth.RoleSupervisor), tc.in)
			requireStatus(t, r, http.StatusBadRequest)
			assert.Equal(t, tc.want, errBody(t, r).Details)
		})
	}
	assert.Equal(t, before, e.Count(CatalogCollection))
}

func TestBadConsumptionsAndReceiptsAreRefusedWithDetailsAndWriteNothing(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-1")
	e.inVan(t, tec1, pcb, 0, "SN-1")
	tech, wh := e.tech("TEC-1", "OUT-1"), e.warehouse("WH-1")
	ledger := e.Count(LedgerCollection)
	for _, tc := range []struct {
		name, path, token string
		body              any
		want              map[string]string
	}{
		{"serialised without serial", "/mobile/v1/parts/consumptions", tech, ConsumeInput{OrderID: "SO-1", PartNo: pcb, DefectiveSerial: "OLD"},
			map[string]string{"new_serial": "is required: the part is serialised"}},
		{"defective part not named", "/mobile/v1/parts/consumptions", tech, ConsumeInput{OrderID: "SO-1", PartNo: pcb, NewSerial: "SN-1"},
			map[string]string{"defective_serial": "is required: the defective part must be returned"}},
		{"same serial twice", "/mobile/v1/parts/consumptions", tech, ConsumeInput{OrderID: "SO-1", PartNo: pcb, NewSerial: "SN-1", DefectiveSerial: "sn-1"},
			map[string]string{"defective_serial": "must differ from new_serial"}},
		{"two serialised at once", "/mobile/v1/parts/consumptions", tech, ConsumeInput{OrderID: "SO-1", PartNo: pcb, Qty: 2, NewSerial: "SN-1", DefectiveSerial: "OLD"},
			map[string]string{"qty": "serialised parts are consumed one at a time"}},
		{"no order", "/mobile/v1/parts/consumptions", tech, ConsumeInput{PartNo: fan}, map[string]string{"order_id": "is required"}},
		{"receipt without serials", "/api/v1/parts/receipts", wh, ReceiptInput{PartNo: pcb, Qty: 1, Ref: "PO"},
			map[string]string{"serials": "the part is serialised: list the serials received"}},
		{"receipt without ref", "/api/v1/parts/receipts", wh, ReceiptInput{PartNo: fan, Qty: 1}, map[string]string{"ref": "is required"}},
		{"receipt of nothing", "/api/v1/parts/receipts", wh, ReceiptInput{PartNo: fan, Ref: "PO"}, map[string]string{"qty": "must be 1 to 100000"}},
		{"return without serial", "/api/v1/parts/defective-returns", wh, ReturnInput{PartNo: pcb}, map[string]string{"serial": "is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, tc.path, tc.token, tc.body)
			requireStatus(t, r, http.StatusBadRequest)
			assert.Equal(t, tc.want, errBody(t, r).Details)
		})
	}
	assert.Zero(t, e.Count(ConsumptionsCollection))
	assert.Zero(t, e.Count(ReturnsCollection))
	assert.Equal(t, ledger, e.Count(LedgerCollection))
}

func TestRolesOutsideTheirRoutesAreForbidden(t *testing.T) {
	e := newEnv(t)
	agent, fin, tech := e.As(auth.RoleAgent), e.As(auth.RoleFinance), e.tech("TEC-1", "OUT-1")
	for _, tc := range []struct {
		method, path, token string
		body                any
	}{
		{http.MethodGet, "/api/v1/parts/stock", agent, nil},
		{http.MethodPost, "/api/v1/parts/receipts", fin, ReceiptInput{PartNo: fan, Qty: 1, Ref: "PO"}},
		{http.MethodPost, "/api/v1/parts/flags/scan", fin, nil},
		{http.MethodPost, "/api/v1/parts/ledger-repair", e.As(auth.RoleSupervisor), nil},
		{http.MethodPost, "/api/v1/parts/consumptions", e.warehouse("WH-1"), ConsumeInput{OrderID: "SO-1", PartNo: fan}},
	} {
		assert.Equal(t, http.StatusForbidden, e.Do(tc.method, tc.path, tc.token, tc.body).Code, tc.method+" "+tc.path)
	}
	// A technician's mobile token does not open the staff API, nor a staff token the mobile one.
	assert.Equal(t, http.StatusUnauthorized, e.Do(http.MethodGet, "/api/v1/parts/stock", tech, nil).Code)
	assert.Equal(t, http.StatusUnauthorized, e.Do(http.MethodGet, "/mobile/v1/parts/stock", fin, nil).Code)
	assert.Zero(t, e.Count(LedgerCollection))
}

func TestTechniciansSeeOnlyTheirOwnVan(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 5)
	e.inVan(t, tec1, fan, 2)
	e.inVan(t, tec2, fan, 1)
	tech := e.tech("TEC-1", "OUT-1")
	r := e.Do(http.MethodGet, "/mobile/v1/parts/stock", tech, nil)
	requireStatus(t, r, http.StatusOK)
	var levels []StockLevel
	r.JSON(t, &levels)
	assert.Equal(t, []StockLevel{{Location: "van:TEC-1", PartNo: fan, OnHand: 2}}, levels)
	requireStatus(t, e.Do(http.MethodGet, "/mobile/v1/parts/stock?location=van:TEC-2", tech, nil), http.StatusNotFound)
	requireStatus(t, e.Do(http.MethodGet, "/mobile/v1/parts/stock?location=warehouse:WH-1", tech, nil), http.StatusNotFound)
	_, err := e.svc.Ledger(bg, tec1, LedgerFilter{Location: "van:TEC-2"}, firstPage)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	page, err := e.svc.Ledger(bg, tec1, LedgerFilter{Location: "van:TEC-1"}, firstPage)
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

func TestLedgerCheckAndRepairOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 5)
	r := e.approved(t, tec1, LineInput{PartNo: fan, Qty: 2})
	e.armCrash("commit")
	require.True(t, crashes(t, func() error { _, err := e.svc.Issue(bg, wh1, r.ID, IssueInput{}); return err }))
	e.svc.ledger.crash = nil

	res := e.Do(http.MethodGet, "/api/v1/parts/ledger-check", e.As(auth.RoleFinance), nil)
	requireStatus(t, res, http.StatusOK)
	var check LedgerCheck
	res.JSON(t, &check)
	assert.True(t, check.OK, "the landed but unsettled issue counts: stored equals recomputed")
	assert.Equal(t, 1, check.PendingOps)

	e.Clock.Advance(e.svc.cfg.RecoveryGrace + time.Second)
	res = e.Do(http.MethodPost, "/api/v1/parts/ledger-repair", e.As(auth.RoleAdmin), nil)
	requireStatus(t, res, http.StatusOK)
	var repaired ReconcileResult
	res.JSON(t, &repaired)
	assert.Equal(t, ReconcileResult{Completed: 1}, repaired)
	assert.Zero(t, e.checkLedger(t).PendingOps)

	// Tampering with a figure behind the ledger's back is found.
	_, err := e.svc.ledger.stock.UpdateByID(bg, stockID("warehouse:WH-1", fan), bson.D{}, bson.D{{Key: "$inc", Value: bson.D{{Key: "on_hand", Value: 1}}}})
	require.NoError(t, err)
	check, err = e.svc.CheckLedger(bg)
	require.NoError(t, err)
	assert.False(t, check.OK)
	assert.Equal(t, []CheckRow{{Location: "warehouse:WH-1", PartNo: fan, StoredOnHand: 4, StoredReserved: 2, LedgerOnHand: 3, LedgerReserved: 2}}, check.Mismatches)
}

func TestTheOpenAPIDocumentDescribesThePartsRoutes(t *testing.T) {
	e := newEnv(t)
	doc := e.Spec.Document()
	raw, err := json.Marshal(doc)
	require.NoError(t, err)
	for _, path := range []string{"/api/v1/parts/requisitions/{id}/issue", "/mobile/v1/parts/consumptions", "/api/v1/parts/ledger-check"} {
		assert.Contains(t, string(raw), `"`+path+`"`)
	}
	assert.True(t, e.Spec.Has(http.MethodPost, "/api/v1/parts/defective-returns"))
	assert.False(t, e.Spec.Has(http.MethodPost, "/mobile/v1/parts/defective-returns"), "warehouse work is not on the mobile API")
}
