package mobileapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/mobileapi"
	"github.com/aftersales/aftersales/orders"
)

func (e *env) sync(tok string, sent time.Time, actions ...map[string]any) mobileapi.SyncResponse {
	e.t.Helper()
	var res mobileapi.SyncResponse
	e.must(http.StatusOK, e.Do(http.MethodPost, "/mobile/v1/sync", tok,
		map[string]any{"device_time": sent.Format(time.RFC3339), "actions": actions})).JSON(e.t, &res)
	require.Len(e.t, res.Results, len(actions))
	return res
}

func action(key, typ, job string, at time.Time, payload map[string]any) map[string]any {
	return map[string]any{"idempotency_key": key, "type": typ, "job_id": job, "device_time": at.Format(time.RFC3339), "payload": payload}
}

func statuses(res mobileapi.SyncResponse) []int {
	var out []int
	for _, r := range res.Results {
		out = append(out, r.Status)
	}
	return out
}

func position(km float64) map[string]any {
	lat, lon := north(km)
	return map[string]any{"lat": lat, "lon": lon, "accuracy_m": 10.0}
}

func TestSyncBatchSentTwiceProducesOneSetOfEvents(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	e.Clock.Advance(2 * time.Hour) // the phone was offline; it sends now what it queued
	now := e.Clock.Now()
	batch := []map[string]any{
		action("a-1", "en_route", job, now.Add(-90*time.Minute), position(8)),
		action("a-2", "check_in", job, now.Add(-60*time.Minute), position(0)),
		action("a-3", "check_out", job, now.Add(-20*time.Minute), position(0)),
	}
	first := e.sync(e.a.tok(), now, batch...)
	assert.Equal(t, []int{201, 201, 201}, statuses(first))
	for _, r := range first.Results {
		assert.False(t, r.Replayed)
	}
	var in mobileapi.VisitEvent
	require.NoError(t, jsonUnmarshal(first.Results[1].Body, &in))
	assert.Empty(t, in.Flags, "8 km in 30 minutes is a drive, judged by when it happened, not when it arrived")
	assert.True(t, in.Offline)
	assert.Equal(t, now.Add(-60*time.Minute).UTC(), in.At.UTC())

	second := e.sync(e.a.tok(), now.Add(time.Minute), batch...)
	assert.Equal(t, []int{201, 201, 201}, statuses(second))
	for i, r := range second.Results {
		assert.True(t, r.Replayed)
		assert.JSONEq(t, string(first.Results[i].Body), string(r.Body))
	}
	assert.EqualValues(t, 3, e.Count(mobileapi.VisitEventsCollection))
	o, err := e.ord.Order(t.Context(), job)
	require.NoError(t, err)
	assert.Len(t, o.Visits, 2, "en route and on site, once each")
	assert.Equal(t, orders.StatusOnSite, o.Status)
}

func TestSyncBatchWithBadActionsAppliesTheOthersAndReportsTheBadOnes(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	other := e.jobFor(e.b, e.other, "SN-AC-2")
	now := e.Clock.Now()
	res := e.sync(e.a.tok(), now,
		action("b-1", "en_route", job, now, position(3)),
		action("b-2", "check_in", job, now, map[string]any{"lat": 31.0}),
		action("b-3", "check_in", other, now, position(0)),
		action("b-4", "teleport", job, now, nil),
		action("b-5", "check_in", job, now, position(0)),
	)
	assert.Equal(t, []int{201, 400, 404, 400, 201}, statuses(res))
	assert.Contains(t, string(res.Results[1].Body), `"lon":"is required"`)
	assert.EqualValues(t, 2, e.Count(mobileapi.VisitEventsCollection))
	assert.Equal(t, orders.StatusOnSite, e.status(job))
	assert.Equal(t, orders.StatusAccepted, e.status(other))

	again := e.sync(e.a.tok(), now, action("b-2", "check_in", job, now, map[string]any{"lat": 31.0}))
	assert.Equal(t, 400, again.Results[0].Status)
	assert.True(t, again.Results[0].Replayed, "a bad action's answer is remembered too")
	reused := e.sync(e.a.tok(), now, action("b-1", "check_out", job, now, position(0)))
	assert.Equal(t, http.StatusUnprocessableEntity, reused.Results[0].Status, "a key reused for another action")
	assert.EqualValues(t, 2, e.Count(mobileapi.VisitEventsCollection))
}

func TestSyncJudgesTheDeviceClockByTheBatch(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	now := e.Clock.Now()
	slow := now.Add(-10 * time.Minute) // the device clock is ten minutes behind
	res := e.sync(e.a.tok(), slow, action("c-1", "check_in", job, slow.Add(-30*time.Minute), position(0)))
	var ev mobileapi.VisitEvent
	require.NoError(t, jsonUnmarshal(res.Results[0].Body, &ev))
	assert.Equal(t, []string{mobileapi.FlagClockSkew}, ev.Flags)
	assert.Equal(t, now.Add(-30*time.Minute).UTC(), ev.At.UTC(), "device time corrected by the batch's offset")
}

func TestSyncRefusesAnEmptyOrOversizedBatch(t *testing.T) {
	e := newEnv(t)
	now := e.Clock.Now().Format(time.RFC3339)
	e.must(http.StatusBadRequest, e.Do(http.MethodPost, "/mobile/v1/sync", e.a.tok(), map[string]any{"device_time": now, "actions": []any{}}))
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = map[string]any{"idempotency_key": "k", "type": "accept", "job_id": "x"}
	}
	e.must(http.StatusBadRequest, e.Do(http.MethodPost, "/mobile/v1/sync", e.a.tok(), map[string]any{"device_time": now, "actions": many}))
}

func TestSyncAcceptsSchedulesAndCompletesAnOfferedJob(t *testing.T) {
	e := newEnvWith(t, mobileapi.Config{SignatureOptional: true})
	o := e.order(e.customer, "SN-AC-1")
	now := e.Clock.Now()
	res := e.sync(e.a.tok(), now,
		action("d-1", "accept", o.ID, now, nil),
		action("d-2", "appointment", o.ID, now, map[string]any{"start": "2026-03-02T06:00:00Z", "end": "2026-03-02T08:00:00Z"}),
		action("d-3", "check_in", o.ID, now, position(0)),
		action("d-4", "complete", o.ID, now, map[string]any{"resolution_code": "repaired", "fault_found": "loose wire", "work_done": "fixed"}),
	)
	assert.Equal(t, []int{200, 200, 201, 200}, statuses(res), "%s", res.Results)
	assert.Equal(t, orders.StatusCompleted, e.status(o.ID))
}
