package complaints_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aftersales/aftersales/complaints"
)

func TestConcurrentResolvesLetExactlyOneWin(t *testing.T) {
	for _, n := range []int{2, 8} {
		t.Run(fmt.Sprintf("%d resolves", n), func(t *testing.T) {
			e := newEnv(t)
			c := e.create()
			tokens := []string{e.agent.tok(), e.supervisor.tok()}
			codes := make([]int, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					codes[i] = e.Do(http.MethodPost, "/api/v1/complaints/"+c.ID+"/resolve", tokens[i%2],
						map[string]any{"resolution": fmt.Sprintf("done by %d", i)}).Code
				}()
			}
			close(start)
			wg.Wait()

			won := map[int]int{}
			for _, code := range codes {
				won[code]++
			}
			assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: n - 1}, won)
			got := e.get(c.ID)
			assert.Equal(t, complaints.StatusResolved, got.Status)
			assert.Equal(t, 1, count("resolved", actions(got)), "one history entry for the one resolve that landed")
			assert.Equal(t, c.Version+1, got.Version)
			assert.Equal(t, 1, count(complaints.TypeFollowUpDue, e.pendingTypes(c.ID)), "one follow-up scheduled")
		})
	}
}

func TestConcurrentWorkDoneResolvesOnce(t *testing.T) {
	e := newEnv(t)
	e.withDesks()
	c := e.create(with("serial", e.serial), with("category", "damaged"))
	got := e.act(e.agent, c.ID, "triage", map[string]any{
		"rma":           map[string]any{"type": "exchange", "reason": "dented"},
		"service_order": map[string]any{"type": "installation"}})
	e.RunDue()
	refs := []string{"RMA-" + got.Work[0].ID, "SO-" + got.Work[1].ID}

	errs := make([]error, len(refs))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = e.svc.WorkDone(t.Context(), c.ID, ref)
		}()
	}
	close(start)
	wg.Wait()

	assert.Equal(t, []error{nil, nil}, errs, "system callers retry lost races themselves")
	got = e.get(c.ID)
	assert.Equal(t, complaints.StatusResolved, got.Status)
	assert.Equal(t, 1, count("resolved_by_work", actions(got)))
}
