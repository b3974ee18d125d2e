package complaints_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/apitest"
)

func TestBreachedComplaintIsEscalatedToSupervisorWithTheBreachRecorded(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("category", "damaged")) // serious: response due in 12 h
	e.RunDue()

	ran := e.advanceTo(apitest.Start.Add(6 * time.Hour))
	assert.Equal(t, []string{complaints.TypeSLAWarning, complaints.TypeAlert}, ran, "50% of the response clock")
	assert.False(t, e.get(c.ID).Breached)

	ran = e.advanceTo(apitest.Start.Add(12*time.Hour - time.Minute))
	assert.Equal(t, 1, count(complaints.TypeSLAWarning, ran), "75%%: %v", ran)
	assert.False(t, e.get(c.ID).Escalated, "not yet due")

	e.advanceTo(apitest.Start.Add(12 * time.Hour))
	got := e.get(c.ID)
	assert.True(t, got.BreachedResponse)
	assert.True(t, got.Breached)
	assert.False(t, got.BreachedResolution)
	assert.True(t, got.Escalated, "escalated to a supervisor")
	require.Len(t, got.Breaches, 1)
	assert.Equal(t, complaints.ClockResponse, got.Breaches[0].Clock)
	assert.Equal(t, apitest.Start.Add(12*time.Hour), got.Breaches[0].Due)
	assert.Contains(t, actions(got), "sla_breach")

	breaches := e.alerts(e.supervisor, "kind=sla_breach")
	require.Len(t, breaches, 1)
	assert.Equal(t, c.ID, breaches[0].ComplaintID)
	assert.Equal(t, complaints.ToSupervisors, breaches[0].To)
	assert.Equal(t, []string{c.ID}, e.list(e.supervisor, "breached=true"))
	assert.Equal(t, []string{c.ID}, e.list(e.supervisor, "escalated=true"))
	assert.Empty(t, e.RunDue(), "a breach is recorded once")
}

func TestSLAWarningsGoToTheAssigneeOrTheTierQueue(t *testing.T) {
	e := newEnv(t)
	unassigned := e.create(with("category", "damaged"))
	mine := e.create(with("category", "damaged"))
	e.act(e.agent, mine.ID, "assign", map[string]any{"agent_id": e.agent.ID})
	e.advanceTo(apitest.Start.Add(6 * time.Hour))

	to := map[string]string{}
	for _, a := range e.alerts(e.agent, "kind=sla_warning") {
		to[a.ComplaintID] = a.To
	}
	assert.Equal(t, map[string]string{unassigned.ID: "tier:L1", mine.ID: "user:" + e.agent.ID}, to)
}

func TestFirstResponseStopsTheResponseClock(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("category", "damaged"))
	e.Clock.Advance(time.Hour)
	got := e.act(e.agent, c.ID, "respond", map[string]any{"message": "Sorry, we are sending a replacement."})
	assert.Equal(t, complaints.StatusInProgress, got.Status)
	require.NotNil(t, got.FirstResponseAt)
	assert.Equal(t, apitest.Start.Add(time.Hour), *got.FirstResponseAt)

	e.advanceTo(apitest.Start.Add(13 * time.Hour)) // past the 12 h response deadline
	got = e.get(c.ID)
	assert.False(t, got.BreachedResponse)
	assert.False(t, got.Breached)
	assert.False(t, got.Escalated)
	assert.Empty(t, got.Breaches)
	assert.Equal(t, []string{"created", "responded", "sla_warning"}, actions(got),
		"only the resolution clock's 50%% warning: the response timers did nothing")

	e.advanceTo(apitest.Start.Add(24 * time.Hour))
	got = e.get(c.ID)
	assert.True(t, got.BreachedResolution, "the resolution clock kept running")
	assert.False(t, got.BreachedResponse)
}

func TestClassOverrideRecomputesDeadlinesAndOldTimersDoNothing(t *testing.T) {
	e := newEnv(t)
	c := e.create() // general: 24 h / 48 h
	e.Clock.Advance(10 * time.Minute)

	body := map[string]any{"class": "system_fault", "reason": "the app was down for this customer"}
	assert.Equal(t, http.StatusForbidden, e.post(e.agent, c.ID, "class", body).Code, "supervisors only")
	got := e.act(e.supervisor, c.ID, "class", body)
	assert.Equal(t, complaints.ClassSystemFault, got.Class)
	assert.Equal(t, "the app was down for this customer", got.ClassReason)
	assert.Equal(t, apitest.Start.Add(30*time.Minute), got.ResponseDue, "recomputed from intake")
	assert.Equal(t, apitest.Start.Add(2*time.Hour), got.ResolutionDue)

	e.advanceTo(apitest.Start.Add(30 * time.Minute))
	assert.True(t, e.get(c.ID).BreachedResponse, "the new response deadline applies")

	e.advanceTo(apitest.Start.Add(49 * time.Hour)) // every old timer has fired by now
	got = e.get(c.ID)
	require.Len(t, got.Breaches, 2, "one breach per clock of the new class, none from the old timers")
	for _, b := range got.Breaches {
		assert.Contains(t, []time.Time{got.ResponseDue, got.ResolutionDue}, b.Due)
	}
	assert.Equal(t, 4, count("sla_warning", actions(got)), "50%% and 75%% of the two new clocks")
}

func TestOverrideToALaterDeadlineCancelsTheEarlierBreach(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("channel", "app"), with("flags", []string{"service_unusable"})) // 30 min / 2 h
	assert.Equal(t, complaints.ClassSystemFault, c.Class)
	e.act(e.supervisor, c.ID, "class", map[string]any{"class": "general", "reason": "only one user, a workaround exists"})

	e.advanceTo(apitest.Start.Add(3 * time.Hour))
	got := e.get(c.ID)
	assert.False(t, got.Breached, "the system_fault timers are stale")
	assert.Equal(t, apitest.Start.Add(24*time.Hour), got.ResponseDue)
}

func TestOverrideToTheSameClassIsAConflict(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	r := e.post(e.supervisor, c.ID, "class", map[string]any{"class": "general", "reason": "checked"})
	assert.Equal(t, http.StatusConflict, r.Code, r.String())
	r = e.post(e.supervisor, c.ID, "class", map[string]any{"class": "urgent"})
	assert.Equal(t, map[string]string{"class": "must be one of: general, serious, system_fault, public_opinion", "reason": "is required"}, details(t, r))
}
