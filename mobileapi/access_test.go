package mobileapi_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/mobileapi"
)

// pngBytes is a minimal PNG signature followed by padding: enough for content sniffing.
var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)

func TestTechnicianBGetsNotFoundOnEveryEndpointOfTechnicianAsJob(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	offered := e.order(e.other, "SN-AC-2") // offered to a, the nearest
	require.Equal(t, e.a.id, offered.OfferTechnicianID)
	tokB := e.b.tok()
	for _, id := range []string{job, offered.ID, "SO-NOPE"} {
		base := "/mobile/v1/jobs/" + id
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{http.MethodGet, base, nil},
			{http.MethodPost, base + "/accept", map[string]any{}},
			{http.MethodPost, base + "/decline", map[string]any{"reason": "busy"}},
			{http.MethodPost, base + "/decline", nil},
			{http.MethodPost, base + "/appointment", map[string]any{"start": "2026-03-03T01:00:00Z", "end": "2026-03-03T03:00:00Z"}},
			{http.MethodPost, base + "/en_route", e.at(0, 10)},
			{http.MethodPost, base + "/check_in", e.at(0, 10)},
			{http.MethodPost, base + "/check_out", map[string]any{}},
			{http.MethodPost, base + "/photos?slot=before", pngBytes},
			{http.MethodGet, base + "/photos", nil},
			{http.MethodPut, base + "/signature", pngBytes},
			{http.MethodPost, base + "/complete", map[string]any{"resolution_code": "repaired", "fault_found": "x", "work_done": "y"}},
		} {
			r := e.Do(c.method, c.path, tokB, c.body)
			assert.Equal(t, http.StatusNotFound, r.Code, "%s %s: %s", c.method, c.path, r.String())
		}
	}
	r := e.Do(http.MethodPost, "/mobile/v1/sync", tokB, map[string]any{"device_time": e.Clock.Now().Format("2006-01-02T15:04:05Z07:00"),
		"actions": []map[string]any{{"idempotency_key": "k1", "type": "check_in", "job_id": job, "payload": e.at(0, 10)}}})
	e.must(http.StatusOK, r)
	var res mobileapi.SyncResponse
	r.JSON(t, &res)
	assert.Equal(t, http.StatusNotFound, res.Results[0].Status)
	assert.Zero(t, e.Count(mobileapi.VisitEventsCollection), "nothing was recorded for b")
	assert.Zero(t, e.Count(mobileapi.PhotosCollection))
	assert.Equal(t, "accepted", e.status(job))

	// a itself sees both
	e.must(http.StatusOK, e.Do(http.MethodGet, "/mobile/v1/jobs/"+job, e.a.tok(), nil))
	e.must(http.StatusOK, e.Do(http.MethodGet, "/mobile/v1/jobs/"+offered.ID, e.a.tok(), nil))
}

func TestStaffTokenIsRefusedOnTheMobileAPI(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	for _, role := range []string{auth.RoleAdmin, auth.RoleDispatcher} {
		tok := e.As(role)
		assert.Equal(t, http.StatusUnauthorized, e.Do(http.MethodGet, "/mobile/v1/jobs/"+job, tok, nil).Code)
		assert.Equal(t, http.StatusUnauthorized, e.Do(http.MethodPost, "/mobile/v1/jobs/"+job+"/check_in", tok, e.at(0, 5)).Code)
	}
	// and a mobile token is refused on the staff API
	assert.Equal(t, http.StatusUnauthorized, e.Do(http.MethodGet, "/api/v1/service-orders/"+job, e.a.tok(), nil).Code)
	assert.Zero(t, e.Count(mobileapi.VisitEventsCollection))
}
