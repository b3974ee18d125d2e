package parts

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestRequisitionGoesFromRequestToReceiptAndStockFollows(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 5)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-1", "SN-2")
	tech, wh := e.tech("TEC-1", "OUT-1"), e.warehouse("WH-1")

	r := e.Do(http.MethodPost, "/mobile/v1/parts/requisitions", tech, RequisitionInput{FromWarehouse: "WH-1", OrderID: "SO-1",
		Lines: []LineInput{{PartNo: "fan-01", Qty: 2}, {PartNo: pcb, Qty: 1}}, Note: "board and fan for SO-1"})
	requireStatus(t, r, http.StatusCreated)
	var req Requisition
	r.JSON(t, &req)
	assert.Equal(t, StatusRequested, req.Status)
	assert.Equal(t, int64(2*1500+30000), req.Value)
	path := "/api/v1/parts/requisitions/" + req.ID

	requireStatus(t, e.Do(http.MethodPost, path+"/approve", wh, nil), http.StatusOK)
	r = e.Do(http.MethodPost, path+"/issue", wh, IssueInput{})
	requireStatus(t, r, http.StatusBadRequest)
	assert.Equal(t, map[string]string{"lines[1].serials": "PCB-01 is serialised: give exactly 1 serials"}, errBody(t, r).Details)
	r = e.Do(http.MethodPost, path+"/issue", wh, IssueInput{Lines: []IssueLine{{PartNo: pcb, Serials: []string{"SN-2"}}}})
	requireStatus(t, r, http.StatusOK)
	onHand, reserved := e.level(t, "warehouse:WH-1", fan)
	assert.Equal(t, [2]int64{3, 2}, [2]int64{onHand, reserved}, "issued parts wait reserved at the warehouse")

	r = e.Do(http.MethodPost, "/mobile/v1/parts/requisitions/"+req.ID+"/receive", tech, nil)
	requireStatus(t, r, http.StatusOK)
	r.JSON(t, &req)
	assert.Equal(t, StatusReceived, req.Status)
	assert.Equal(t, []string{"SN-2"}, req.Lines[1].Serials)
	van, _ := e.level(t, "van:TEC-1", fan)
	assert.Equal(t, int64(2), van)
	trace, err := e.svc.Serial(bg, admin, pcb, "SN-2")
	require.NoError(t, err)
	assert.Equal(t, [2]string{"van:TEC-1", SerialIssuedToVan}, [2]string{trace.Location, trace.State})
	_, reserved = e.level(t, "warehouse:WH-1", fan)
	assert.Zero(t, reserved)
	var actions []string
	for _, h := range req.History {
		actions = append(actions, h.Action)
	}
	assert.Equal(t, []string{"request", ActApprove, ActIssue, ActReceive}, actions)
	e.checkLedger(t)
}

func TestCancellingAnIssuedRequisitionReleasesItsReservation(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 5)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-1")
	r := e.approved(t, tec1, LineInput{PartNo: fan, Qty: 2}, LineInput{PartNo: pcb, Qty: 1})
	_, err := e.svc.Issue(bg, wh1, r.ID, IssueInput{Lines: []IssueLine{{PartNo: pcb, Serials: []string{"SN-1"}}}})
	require.NoError(t, err)

	_, err = e.svc.Cancel(bg, tec1, r.ID, ReasonInput{Reason: "job done without it"})
	assert.ErrorIs(t, err, apperr.ErrConflict, "once issued only the warehouse cancels")
	got, err := e.svc.Cancel(bg, wh1, r.ID, ReasonInput{Reason: "never collected"})
	require.NoError(t, err)
	assert.Equal(t, StatusCancelled, got.Status)
	onHand, reserved := e.level(t, "warehouse:WH-1", fan)
	assert.Equal(t, [2]int64{5, 0}, [2]int64{onHand, reserved})
	trace, err := e.svc.Serial(bg, admin, pcb, "SN-1")
	require.NoError(t, err)
	assert.Equal(t, SerialInStock, trace.State)
	_, err = e.svc.Receive(bg, tec1, r.ID)
	assert.ErrorIs(t, err, apperr.ErrConflict)
	e.checkLedger(t)
}

func TestApprovalIsLimitedByTheApproversRole(t *testing.T) {
	e := newEnv(t)
	// Two boards: 60,000 fen, above a warehouse's 50,000.
	r, err := e.svc.CreateRequisition(bg, tec1, RequisitionInput{FromWarehouse: "WH-1", Lines: []LineInput{{PartNo: pcb, Qty: 2}}})
	require.NoError(t, err)
	_, err = e.svc.Approve(bg, wh1, r.ID)
	assert.ErrorIs(t, err, apperr.ErrForbidden)
	assert.Equal(t, map[string]string{"value": "60000 CNY exceeds your limit of 50000"}, err.(*apperr.Error).Details)
	got, err := e.svc.Approve(bg, supervisor, r.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusApproved, got.Status)

	small, err := e.svc.CreateRequisition(bg, tec1, RequisitionInput{FromWarehouse: "WH-1", Lines: []LineInput{{PartNo: pcb, Qty: 1}}})
	require.NoError(t, err)
	_, err = e.svc.Approve(bg, wh1, small.ID)
	assert.NoError(t, err, "30,000 is within the warehouse's limit")
}

func TestRequisitionsAreVisibleOnlyToTheirParties(t *testing.T) {
	e := newEnv(t)
	mine, err := e.svc.CreateRequisition(bg, tec1, RequisitionInput{FromWarehouse: "WH-1", Lines: []LineInput{{PartNo: fan, Qty: 1}}})
	require.NoError(t, err)
	_, err = e.svc.CreateRequisition(bg, tec3, RequisitionInput{FromWarehouse: "WH-2", Lines: []LineInput{{PartNo: fan, Qty: 1}}})
	require.NoError(t, err)

	for _, tc := range []struct {
		who   auth.Principal
		sees  bool
		count int
	}{
		{tec1, true, 1}, {tec2, false, 0}, {out1, true, 1}, {wh1, true, 1}, {wh2, false, 1}, {finance, true, 2}, {supervisor, true, 2},
	} {
		_, err := e.svc.Requisition(bg, tc.who, mine.ID)
		if tc.sees {
			assert.NoError(t, err, tc.who.UserID)
		} else {
			assert.ErrorIs(t, err, apperr.ErrNotFound, tc.who.UserID)
		}
		page, err := e.svc.Requisitions(bg, tc.who, RequisitionFilter{}, firstPage)
		require.NoError(t, err)
		assert.Len(t, page.Items, tc.count, tc.who.UserID)
	}
	_, err = e.svc.Approve(bg, wh2, mine.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another warehouse's requisition is not there for it")
	_, err = e.svc.Receive(bg, tec2, mine.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
}

func TestOutletRequisitionsIntoItsTechniciansVansOnly(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.CreateRequisition(bg, out1, RequisitionInput{FromWarehouse: "WH-1", To: "van:TEC-2", Lines: []LineInput{{PartNo: fan, Qty: 1}}})
	assert.NoError(t, err, "TEC-2 works for OUT-1")
	_, err = e.svc.CreateRequisition(bg, out1, RequisitionInput{FromWarehouse: "WH-1", To: "van:TEC-3", Lines: []LineInput{{PartNo: fan, Qty: 1}}})
	assert.ErrorIs(t, err, apperr.ErrNotFound, "TEC-3 works for OUT-2")
	r, err := e.svc.CreateRequisition(bg, out1, RequisitionInput{FromWarehouse: "WH-1", Lines: []LineInput{{PartNo: fan, Qty: 1}}})
	require.NoError(t, err)
	assert.Equal(t, "outlet:OUT-1", r.To, "by default into the outlet's own store")
}

func TestBadRequisitionsAreRefusedWithDetailsAndWriteNothing(t *testing.T) {
	e := newEnv(t)
	token := e.tech("TEC-1", "OUT-1")
	for _, tc := range []struct {
		name string
		body any
		want map[string]string
	}{
		{"no lines", RequisitionInput{FromWarehouse: "WH-1"}, map[string]string{"lines": "must have 1 to 20 lines"}},
		{"zero qty", RequisitionInput{FromWarehouse: "WH-1", Lines: []LineInput{{PartNo: fan}}}, map[string]string{"lines[0].qty": "must be 1 to 1000"}},
		{"repeated part", RequisitionInput{FromWarehouse: "WH-1", Lines: []LineInput{{PartNo: fan, Qty: 1}, {PartNo: "fan-01", Qty: 1}}},
			map[string]string{"lines[1].part_no": "appears on another line"}},
		{"unknown part", RequisitionInput{FromWarehouse: "WH-1", Lines: []LineInput{{PartNo: "NOPE", Qty: 1}}}, map[string]string{"lines[0].part_no": "unknown part"}},
		{"no warehouse", RequisitionInput{Lines: []LineInput{{PartNo: fan, Qty: 1}}}, map[string]string{"from_warehouse": "is required"}},
		{"bad location", RequisitionInput{FromWarehouse: "WH-1", To: "garage:1", Lines: []LineInput{{PartNo: fan, Qty: 1}}},
			map[string]string{"to": "kind must be one of: warehouse, outlet, van"}},
		{"wrong type", `{"from_warehouse":"WH-1","lines":[{"part_no":"FAN-01","qty":"two"}]}`, map[string]string{"lines.qty": "must be an integer"}},
		{"unknown field", `{"from_warehouse":"WH-1","priority":"high","lines":[{"part_no":"FAN-01","qty":1}]}`, map[string]string{"priority": "unknown field"}},
		{"part that does not fit the order", RequisitionInput{FromWarehouse: "WH-1", OrderID: "SO-9",
			Lines: []LineInput{{PartNo: fan, Qty: 1}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.orders.add(OrderInfo{ID: "SO-9", TechnicianID: "TEC-1", OutletID: "OUT-1", Category: "Refrigerator"})
			r := e.Do(http.MethodPost, "/mobile/v1/parts/requisitions", token, tc.body)
			requireStatus(t, r, http.StatusBadRequest)
			if tc.want == nil {
				tc.want = map[string]string{"lines[0].part_no": "does not fit a Refrigerator"}
			}
			assert.Equal(t, tc.want, errBody(t, r).Details)
		})
	}
	r := e.Do(http.MethodPost, "/mobile/v1/parts/requisitions", token, RequisitionInput{FromWarehouse: "WH-9", Lines: []LineInput{{PartNo: fan, Qty: 1}}})
	requireStatus(t, r, http.StatusNotFound)
	assert.Equal(t, map[string]string{"from_warehouse": "location not found"}, errBody(t, r).Details)
	assert.Zero(t, e.Count(RequisitionsCollection), "nothing was written")
}

func TestAnActionWaitsWhileAnEarlierOneOnTheSameRequisitionIsUnsettled(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 5)
	r := e.approved(t, tec1, LineInput{PartNo: fan, Qty: 2})
	_, err := e.svc.Issue(bg, wh1, r.ID, IssueInput{})
	require.NoError(t, err)
	e.armCrash("accept")
	require.True(t, crashes(t, func() error { _, err := e.svc.Receive(bg, tec1, r.ID); return err }))
	e.svc.ledger.crash = nil

	_, err = e.svc.Cancel(bg, wh1, r.ID, ReasonInput{Reason: "not collected"})
	assert.ErrorIs(t, err, apperr.ErrConflict, "the interrupted receipt may still be in flight")
	assert.Contains(t, err.Error(), "still being settled")

	e.Clock.Advance(e.svc.cfg.RecoveryGrace + time.Second)
	_, err = e.svc.Cancel(bg, wh1, r.ID, ReasonInput{Reason: "not collected"})
	assert.ErrorIs(t, err, apperr.ErrConflict, "the receipt was finished first, so the parts are in the van")
	got, err := e.svc.Requisition(bg, admin, r.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusReceived, got.Status)
	assert.Equal(t, "system", got.History[len(got.History)-1].Actor)
	c := e.checkLedger(t)
	assert.Zero(t, c.PendingOps)
	assert.Equal(t, int64(0), e.count(LedgerCollection, bson.D{{Key: "state", Value: entryPending}}))
}
