package parts

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
)

// crashSignal is what the crash hook panics with: the process "dies" right there, and
// none of the code after it (undo, settle) runs.
type crashSignal struct{ point string }

// armCrash makes the next pass through point panic like a killed process.
func (e *env) armCrash(point string) {
	fired := false
	e.svc.ledger.crash = func(p string) {
		if p == point && !fired {
			fired = true
			panic(crashSignal{p})
		}
	}
}

// crashes runs f and reports whether it died at the armed point.
func crashes(t testing.TB, f func() error) (died bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(crashSignal); !ok {
				panic(r)
			}
			died = true
		}
	}()
	err := f()
	require.NoError(t, err)
	return false
}

// restart forgets the crash hook and runs the repair once the grace period has passed.
func (e *env) restart(t testing.TB) ReconcileResult {
	t.Helper()
	e.svc.ledger.crash = nil
	e.Clock.Advance(e.svc.cfg.RecoveryGrace + time.Second)
	res, err := e.svc.Reconcile(bg)
	require.NoError(t, err)
	require.Zero(t, res.Failed, "every interrupted operation was repaired")
	c := e.checkLedger(t)
	require.Zero(t, c.PendingOps, "nothing is left pending after the repair")
	return res
}

var crashPoints = []string{"entries", "commit", "legs", "accept", "confirm", "confirmed"}

// After a crash at any point of a requisition's issue, the ledger check holds at once,
// and the repair finishes the issue once its stock was reserved: the requisition is
// recorded as issued. A crash before anything landed leaves it approved.
func TestACrashAnywhereInAnIssueIsRepairedToAConsistentState(t *testing.T) {
	for _, point := range crashPoints {
		t.Run(point, func(t *testing.T) {
			e := newEnv(t)
			e.goodsIn(t, "WH-1", fan, 5)
			r := e.approved(t, tec1, LineInput{PartNo: fan, Qty: 2})
			e.armCrash(point)
			require.True(t, crashes(t, func() error { _, err := e.svc.Issue(bg, wh1, r.ID, IssueInput{}); return err }))
			e.checkLedger(t)
			e.restart(t)

			got, err := e.svc.Requisition(bg, admin, r.ID)
			require.NoError(t, err)
			onHand, reserved := e.level(t, "warehouse:WH-1", fan)
			if got.Status == StatusIssued {
				assert.Equal(t, [2]int64{3, 2}, [2]int64{onHand, reserved})
			} else {
				assert.Equal(t, StatusApproved, got.Status)
				assert.Equal(t, [2]int64{5, 0}, [2]int64{onHand, reserved}, "an unrecorded issue was undone")
			}
			assert.Equal(t, point != "entries", got.Status == StatusIssued, "finished exactly when the stock had moved")
		})
	}
}

// A receipt moves stock between two documents; a crash between them leaves the source
// decremented and the destination not yet credited, which the repair rolls forward,
// and the requisition is recorded as received.
func TestACrashAnywhereInAReceiveIsRepairedToAConsistentState(t *testing.T) {
	for _, point := range crashPoints {
		t.Run(point, func(t *testing.T) {
			e := newEnv(t)
			e.goodsIn(t, "WH-1", fan, 5)
			r := e.approved(t, tec1, LineInput{PartNo: fan, Qty: 2})
			_, err := e.svc.Issue(bg, wh1, r.ID, IssueInput{})
			require.NoError(t, err)
			e.armCrash(point)
			require.True(t, crashes(t, func() error { _, err := e.svc.Receive(bg, tec1, r.ID); return err }))
			e.checkLedger(t)
			e.restart(t)

			got, err := e.svc.Requisition(bg, admin, r.ID)
			require.NoError(t, err)
			_, reserved := e.level(t, "warehouse:WH-1", fan)
			van, _ := e.level(t, "van:TEC-1", fan)
			if got.Status == StatusReceived {
				assert.Equal(t, [2]int64{0, 2}, [2]int64{reserved, van})
			} else {
				assert.Equal(t, StatusIssued, got.Status)
				assert.Equal(t, [2]int64{2, 0}, [2]int64{reserved, van}, "nothing had moved")
			}
			assert.Equal(t, point != "entries", got.Status == StatusReceived, "finished exactly when the stock had moved")
		})
	}
}

func TestACrashAnywhereInAConsumptionIsRepairedToAConsistentState(t *testing.T) {
	for _, point := range crashPoints {
		t.Run(point, func(t *testing.T) {
			e := newEnv(t)
			e.goodsIn(t, "WH-1", pcb, 0, "SN-1")
			e.inVan(t, tec1, pcb, 0, "SN-1")
			e.armCrash(point)
			died := crashes(t, func() error {
				_, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: pcb, NewSerial: "SN-1", DefectiveSerial: "OLD-1"})
				return err
			})
			assert.Equal(t, point != "legs", died, "a serial operation commits in one write and has no legs")
			e.checkLedger(t)
			e.restart(t)

			recorded := e.Count(ConsumptionsCollection)
			trace, err := e.svc.Serial(bg, admin, pcb, "SN-1")
			require.NoError(t, err)
			if recorded == 1 {
				assert.Equal(t, SerialConsumed, trace.State)
			} else {
				assert.Equal(t, [2]string{"van:TEC-1", SerialIssuedToVan}, [2]string{trace.Location, trace.State},
					"an unrecorded consumption put the serial back in the van")
			}
			assert.Equal(t, point == "confirm" || point == "confirmed" || point == "legs", recorded == 1,
				"a consumption never recorded cannot be finished: its stock goes back")
		})
	}
}

// An undo that itself dies half-way is finished by the repair exactly once.
func TestARollbackInterruptedByACrashIsUndoneOnce(t *testing.T) {
	e := newEnv(t)
	e.goodsIn(t, "WH-1", pcb, 0, "SN-1")
	e.inVan(t, tec1, pcb, 0, "SN-1")
	// The consumption dies before it is recorded; undoing its stock then dies too, right
	// after the undo's own commit.
	e.armCrash("accept")
	require.True(t, crashes(t, func() error {
		_, err := e.svc.Consume(bg, tec1, ConsumeInput{OrderID: "SO-1", PartNo: pcb, NewSerial: "SN-1", DefectiveSerial: "OLD-1"})
		return err
	}))
	o := pendingOp(t, e)
	e.armCrash("commit")
	require.True(t, crashes(t, func() error { return e.svc.ledger.undo(bg, o) }))
	e.checkLedger(t)
	res := e.restart(t)
	assert.Equal(t, 1, res.RolledBack, "%+v", res)
	trace, err := e.svc.Serial(bg, admin, pcb, "SN-1")
	require.NoError(t, err)
	assert.Equal(t, [2]string{"van:TEC-1", SerialIssuedToVan}, [2]string{trace.Location, trace.State})
	var undos []entryDoc
	require.NoError(t, e.svc.ledger.entries.Find(bg, bson.D{{Key: "reason", Value: ReasonRollback}}, &undos))
	assert.Len(t, undos, 1, "undone once")
	assert.Zero(t, e.Count(ConsumptionsCollection))
}

func pendingOp(t testing.TB, e *env) op {
	var entries []entryDoc
	require.NoError(t, e.svc.ledger.entries.Find(bg, bson.D{{Key: "state", Value: entryPending}}, &entries))
	require.NotEmpty(t, entries)
	all, err := e.svc.ledger.entriesOfOp(bg, entries[0].Op)
	require.NoError(t, err)
	return opFromEntries(all)
}
