package parts

import (
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestFiftyConcurrentIssuesAgainstTenInStockIssueExactlyTen(t *testing.T) {
	t.Parallel() // slow on SQLite under -race; runs alongside the property test
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 10)
	techs := []auth.Principal{tec1, tec2, tec3}
	reqs := make([]Requisition, 50)
	for i := range reqs {
		reqs[i] = e.approved(t, techs[i%3], LineInput{PartNo: fan, Qty: 1})
	}
	token := e.warehouse("WH-1")

	codes := make([]int, len(reqs))
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i] = e.Do(http.MethodPost, "/api/v1/parts/requisitions/"+reqs[i].ID+"/issue", token, nil).Code
		}(i)
	}
	wg.Wait()

	byCode := map[int]int{}
	for _, c := range codes {
		byCode[c]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: 10, http.StatusConflict: 40}, byCode)
	onHand, reserved := e.level(t, "warehouse:WH-1", fan)
	assert.Equal(t, int64(0), onHand, "stock on hand is 0")
	assert.Equal(t, int64(10), reserved, "the ten issued units wait at the counter")
	assert.Equal(t, int64(10), e.count(RequisitionsCollection, bson.D{{Key: "status", Value: StatusIssued}}))
	assert.Equal(t, int64(40), e.count(RequisitionsCollection, bson.D{{Key: "status", Value: StatusApproved}}))

	var entries []entryDoc
	require.NoError(t, e.svc.ledger.entries.Find(bg, bson.D{{Key: "location", Value: "warehouse:WH-1"}}, &entries))
	sort.Slice(entries, func(i, j int) bool { return entries[i].ID < entries[j].ID })
	issues, balance := 0, int64(0)
	for _, en := range entries {
		assert.Equal(t, entryApplied, en.State)
		balance += en.DeltaOnHand
		assert.GreaterOrEqual(t, balance, int64(0), "no figure ever negative")
		if en.Reason == ReasonIssue {
			issues++
			assert.Equal(t, int64(-1), en.DeltaOnHand)
		}
	}
	assert.Equal(t, 10, issues, "the ledger has exactly the ten issues; refused attempts left nothing")
	e.checkLedger(t)
}

func TestASerialCannotBeIssuedTwice(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-1")
	first := e.approved(t, tec1, LineInput{PartNo: pcb, Qty: 1})
	second := e.approved(t, tec2, LineInput{PartNo: pcb, Qty: 1})
	pick := IssueInput{Lines: []IssueLine{{PartNo: pcb, Serials: []string{"sn-1"}}}}

	_, err := e.svc.Issue(bg, wh1, first.ID, pick)
	require.NoError(t, err)
	_, err = e.svc.Issue(bg, wh1, second.ID, pick)
	assert.ErrorIs(t, err, apperr.ErrConflict)
	assert.Equal(t, map[string]string{"lines[0].serials": "serial SN-1 is not in stock at warehouse:WH-1"}, err.(*apperr.Error).Details)

	got, err := e.svc.Requisition(bg, admin, second.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusApproved, got.Status, "the refused issue changed nothing")
	e.checkLedger(t)
}

func TestConcurrentIssuesOfOneSerialReserveItOnce(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-1")
	pick := IssueInput{Lines: []IssueLine{{PartNo: pcb, Serials: []string{"SN-1"}}}}
	reqs := make([]Requisition, 8)
	for i := range reqs {
		reqs[i] = e.approved(t, tec1, LineInput{PartNo: pcb, Qty: 1})
	}
	wins := make(chan string, len(reqs))
	var wg sync.WaitGroup
	for _, r := range reqs {
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			if _, err := e.svc.Issue(bg, wh1, id, pick); err == nil {
				wins <- id
			}
		}(r.ID)
	}
	wg.Wait()
	close(wins)
	assert.Len(t, wins, 1, "exactly one requisition gets the serial")
	assert.Equal(t, int64(1), e.count(SerialsCollection, bson.D{{Key: "state", Value: SerialReserved}}))
	e.checkLedger(t)
}

func TestGoodsInRefusesADuplicateSerialAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-1")
	before := e.Count(LedgerCollection)
	_, err := e.svc.ReceiveGoods(bg, wh1, ReceiptInput{PartNo: pcb, Serials: []string{"SN-2", "SN-1"}, Ref: "PO-2"})
	assert.ErrorIs(t, err, apperr.ErrConflict)
	assert.Equal(t, map[string]string{"serials[1]": "serial SN-1 is already registered"}, err.(*apperr.Error).Details)
	onHand, _ := e.level(t, "warehouse:WH-1", pcb)
	assert.Equal(t, int64(1), onHand, "SN-2 was not booked either")
	assert.Equal(t, before, e.Count(LedgerCollection))
	e.checkLedger(t)
}

func TestAdjustmentNeverTakesStockBelowZero(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 3)
	_, err := e.svc.Adjust(bg, wh1, AdjustInput{Location: "warehouse:WH-1", PartNo: fan, Delta: -4, Note: "count"})
	assert.ErrorIs(t, err, apperr.ErrConflict)
	_, err = e.svc.Adjust(bg, wh1, AdjustInput{Location: "warehouse:WH-1", PartNo: fan, Delta: -3, Note: "water damage"})
	require.NoError(t, err)
	onHand, _ := e.level(t, "warehouse:WH-1", fan)
	assert.Equal(t, int64(0), onHand)
	_, err = e.svc.Adjust(bg, wh2, AdjustInput{Location: "warehouse:WH-1", PartNo: fan, Delta: 5, Note: "count"})
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another warehouse's stock is not yours to adjust")
	e.checkLedger(t)
}

func TestConcurrentReceiptsOfOneRequisitionMoveItsStockOnce(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", fan, 10)
	other := e.approved(t, tec2, LineInput{PartNo: fan, Qty: 3})
	_, err := e.svc.Issue(bg, wh1, other.ID, IssueInput{})
	require.NoError(t, err)
	r := e.approved(t, tec1, LineInput{PartNo: fan, Qty: 2})
	_, err = e.svc.Issue(bg, wh1, r.ID, IssueInput{})
	require.NoError(t, err)

	wins := make(chan struct{}, 6)
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.Receive(bg, tec1, r.ID); err == nil {
				wins <- struct{}{}
			}
		}()
	}
	wg.Wait()
	close(wins)
	assert.Len(t, wins, 1, "exactly one receipt wins")
	van, _ := e.level(t, "van:TEC-1", fan)
	_, reserved := e.level(t, "warehouse:WH-1", fan)
	assert.Equal(t, [2]int64{2, 3}, [2]int64{van, reserved}, "moved once; the other requisition's reservation is intact")
	c := e.checkLedger(t)
	assert.Zero(t, c.PendingOps, "the losers undid what they had moved")
}
