package complaints_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/apitest"
)

func TestKPIsSumUpResolutionSurveysAndBreaches(t *testing.T) {
	e := newEnv(t)
	confirmed := e.resolveAtFirstContact()
	e.act(e.agent, confirmed.ID, "follow-up", map[string]any{"reached": true, "resolved": true, "csat": 5, "nps": 10})
	reopened := e.resolveAtFirstContact()
	e.act(e.agent, reopened.ID, "follow-up", map[string]any{"reached": true, "resolved": false, "csat": 2, "nps": 3})
	e.act(e.agent, reopened.ID, "resolve", map[string]any{"resolution": "second try"})
	unreachable := e.resolveAtFirstContact()
	for range 3 {
		e.act(e.agent, unreachable.ID, "follow-up", map[string]any{"reached": false})
	}
	e.create(with("category", "damaged"), with("channel", "email")) // breaches its response clock
	e.advanceTo(apitest.Start.Add(12 * time.Hour))

	var k complaints.KPIs
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/kpis", e.supervisor.tok(), nil)).JSON(t, &k)
	assert.Equal(t, 4, k.Complaints)
	assert.Equal(t, map[string]int{"general": 3, "serious": 1}, k.ByClass)
	assert.Equal(t, map[string]int{"phone": 3, "email": 1}, k.ByChannel)
	assert.Equal(t, map[string]int{"closed": 2, "resolved": 1, "open": 1}, k.ByStatus)
	assert.Equal(t, 3, k.Resolved)
	assert.Equal(t, 2, k.FCR, "the reopened one is not first-contact resolved")
	assert.Equal(t, ptr(66.7), k.FCRPct)
	assert.Equal(t, 1, k.Reopened)
	assert.Equal(t, 3, k.FollowedUp)
	assert.Equal(t, 2, k.Surveyed)
	assert.Equal(t, ptr(66.7), k.FeedbackRatePct)
	assert.Equal(t, 2, k.CSATAnswers)
	assert.Equal(t, ptr(3.5), k.CSATAvg)
	assert.Equal(t, ptr(50.0), k.SatisfiedPct)
	assert.Equal(t, ptr(0.0), k.NPS, "one promoter, one detractor")
	assert.Equal(t, 1, k.BreachedComplaints)
	assert.Equal(t, 1, k.ResponseBreaches)
	assert.Equal(t, 0, k.ResolutionBreaches)
	assert.Equal(t, 90.0, k.Targets.SatisfiedPct)
	assert.Equal(t, apitest.Start.Add(12*time.Hour), k.To)

	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/kpis?from=2026-03-03&to=2026-03-04", e.supervisor.tok(), nil)).JSON(t, &k)
	assert.Zero(t, k.Complaints)
	assert.Nil(t, k.FCRPct, "nothing to measure")
}

func TestKPIsAreForSupervisorsOverABoundedPeriod(t *testing.T) {
	e := newEnv(t)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/complaints/kpis", e.agent.tok(), nil).Code)
	r := e.Do(http.MethodGet, "/api/v1/complaints/kpis?from=2024-01-01&to=2026-01-01", e.supervisor.tok(), nil)
	assert.Equal(t, map[string]string{"from": "must be before to, and at most 366 days before it"}, details(t, r))
	r = e.Do(http.MethodGet, "/api/v1/complaints/kpis?from=soon", e.supervisor.tok(), nil)
	assert.Contains(t, details(t, r), "from")
}
