package mobileapi_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/aftersales/aftersales/mobileapi"
)

func TestTheSameQueuedActionSentTwiceAtOnceIsAppliedOnce(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	now := e.Clock.Now()
	tok := e.a.tok()
	var wg sync.WaitGroup
	results := make([]mobileapi.SyncResponse, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.Do(http.MethodPost, "/mobile/v1/sync", tok, map[string]any{"device_time": now.Format(time.RFC3339),
				"actions": []map[string]any{action("same", "check_in", job, now.Add(-time.Minute), position(0))}})
			if assert.Equal(t, http.StatusOK, r.Code, r.String()) {
				assert.NoError(t, json.Unmarshal(r.Body, &results[i]))
			}
		}()
	}
	wg.Wait()
	applied := 0
	for _, r := range results {
		if !assert.Len(t, r.Results, 1) {
			continue
		}
		switch res := r.Results[0]; {
		case res.Status == 201 && !res.Replayed:
			applied++
		case res.Status == 201 && res.Replayed, res.Status == 409: // replayed, or still in progress
		default:
			t.Errorf("unexpected answer %d %s", res.Status, res.Body)
		}
	}
	assert.Equal(t, 1, applied)
	assert.EqualValues(t, 1, e.Count(mobileapi.VisitEventsCollection))
}
