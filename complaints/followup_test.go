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

func TestFollowUpRecordDecidesTheOutcome(t *testing.T) {
	p := complaints.FollowUpPolicy{After: 24 * time.Hour, Retry: 4 * time.Hour, Attempts: 3}
	now := apitest.Start
	for _, tc := range []struct {
		name     string
		attempts int
		in       complaints.CallInput
		want     complaints.Outcome
		status   string
	}{
		{"first miss: try again", 0, complaints.CallInput{Reached: ptr(false)}, complaints.OutcomeRetry, complaints.FollowUpPending},
		{"second miss: try again", 1, complaints.CallInput{Reached: ptr(false)}, complaints.OutcomeRetry, complaints.FollowUpPending},
		{"third miss: unreachable", 2, complaints.CallInput{Reached: ptr(false)}, complaints.OutcomeUnreachable, complaints.FollowUpUnreachable},
		{"reached and solved", 2, complaints.CallInput{Reached: ptr(true), Resolved: ptr(true), CSAT: ptr(5)}, complaints.OutcomeConfirmed, complaints.FollowUpDone},
		{"reached, not solved", 0, complaints.CallInput{Reached: ptr(true), Resolved: ptr(false)}, complaints.OutcomeNotResolved, complaints.FollowUpDone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := complaints.NewFollowUp(now, 1, p)
			f.Attempts = tc.attempts
			got, outcome, survey, err := f.Record(tc.in, "USR-1", now.Add(time.Hour), p)
			require.NoError(t, err)
			assert.Equal(t, tc.want, outcome)
			assert.Equal(t, tc.status, got.Status)
			assert.Len(t, got.Calls, 1)
			assert.Equal(t, *tc.in.Reached, survey != nil, "a survey exactly when the customer was reached")
			if outcome == complaints.OutcomeRetry {
				assert.Equal(t, now.Add(5*time.Hour), got.DueAt, "the next attempt is due Retry later")
			}
		})
	}
}

func TestFollowUpCallInputIsValidated(t *testing.T) {
	for _, tc := range []struct {
		in   complaints.CallInput
		want map[string]string
	}{
		{complaints.CallInput{}, map[string]string{"reached": "is required"}},
		{complaints.CallInput{Reached: ptr(true)}, map[string]string{"resolved": "is required when the customer was reached"}},
		{complaints.CallInput{Reached: ptr(true), Resolved: ptr(true), CSAT: ptr(6), NPS: ptr(11)},
			map[string]string{"csat": "must be between 1 and 5", "nps": "must be between 0 and 10"}},
		{complaints.CallInput{Reached: ptr(false), CSAT: ptr(3)}, map[string]string{"csat": "must be absent when the customer was not reached"}},
	} {
		assert.Equal(t, tc.want, fieldsOf(t, tc.in.Validate()))
	}
}

// resolveAtFirstContact takes in a complaint, resolves it on the spot and returns it.
func (e *env) resolveAtFirstContact() complaints.ComplaintView {
	c := e.create()
	got := e.act(e.agent, c.ID, "resolve", map[string]any{"resolution": "Apologised; a coupon was sent."})
	require.Equal(e.t, complaints.StatusResolved, got.Status)
	require.True(e.t, got.FCR)
	return got
}

func TestNotResolvedFollowUpReopensTheComplaintAndItIsNoLongerFirstContactResolved(t *testing.T) {
	e := newEnv(t)
	c := e.resolveAtFirstContact()
	assert.Equal(t, []string{"created", "resolved"}, actions(c))

	e.advanceTo(apitest.Start.Add(24 * time.Hour))
	var due complaints.ComplaintList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/follow-ups", e.agent.tok(), nil)).JSON(t, &due)
	require.Len(t, due.Items, 1, "on the follow-up list once due")
	assert.Equal(t, c.ID, due.Items[0].ID)

	got := e.act(e.agent, c.ID, "follow-up", map[string]any{"reached": true, "resolved": false, "csat": 2, "nps": 3, "comment": "the coupon never came"})
	assert.Equal(t, complaints.StatusReopened, got.Status)
	assert.False(t, got.FCR)
	assert.Equal(t, 1, got.Reopens)
	assert.Equal(t, e.Clock.Now().Add(48*time.Hour), got.ResolutionDue, "a new resolution clock from the reopening")
	require.Len(t, got.Surveys, 1)
	assert.Equal(t, ptr(2), got.Surveys[0].CSAT)
	assert.Equal(t, "reopened", got.History[len(got.History)-1].Action)
	assert.Empty(t, e.list(e.agent, "status=resolved"))

	got = e.act(e.agent, c.ID, "resolve", map[string]any{"resolution": "Coupon re-sent and confirmed."})
	assert.Equal(t, complaints.StatusResolved, got.Status)
	assert.False(t, got.FCR, "a reopened complaint never counts as first-contact resolution")
}

func TestReopenedComplaintBreachesItsNewResolutionClock(t *testing.T) {
	e := newEnv(t)
	c := e.resolveAtFirstContact()
	e.advanceTo(apitest.Start.Add(24 * time.Hour))
	e.act(e.agent, c.ID, "follow-up", map[string]any{"reached": true, "resolved": false})

	e.advanceTo(apitest.Start.Add(24*time.Hour + 48*time.Hour))
	got := e.get(c.ID)
	assert.True(t, got.BreachedResolution)
	require.Len(t, got.Breaches, 1, "the first resolution clock's timers were stale")
	assert.Equal(t, apitest.Start.Add(72*time.Hour), got.Breaches[0].Due)
}

func TestConfirmedFollowUpClosesTheComplaintWithTheSurvey(t *testing.T) {
	e := newEnv(t)
	c := e.resolveAtFirstContact()
	got := e.act(e.agent, c.ID, "follow-up", map[string]any{"reached": true, "resolved": true, "csat": 5, "nps": 10})
	assert.Equal(t, complaints.StatusClosed, got.Status)
	assert.True(t, got.FCR)
	assert.Equal(t, complaints.FollowUpDone, got.FollowUp.Status)
	assert.NotNil(t, got.ClosedAt)
	r := e.post(e.agent, c.ID, "follow-up", map[string]any{"reached": true, "resolved": true})
	assert.Equal(t, http.StatusConflict, r.Code, "a closed complaint has no pending follow-up")
}

func TestThreeUnreachedFollowUpCallsCloseItAsUnreachable(t *testing.T) {
	e := newEnv(t)
	c := e.resolveAtFirstContact()
	miss := map[string]any{"reached": false, "comment": "no answer"}

	got := e.act(e.agent, c.ID, "follow-up", miss)
	assert.Equal(t, complaints.StatusResolved, got.Status)
	assert.Equal(t, 1, got.FollowUp.Attempts)
	assert.Equal(t, e.Clock.Now().Add(4*time.Hour), got.FollowUp.DueAt, "the next attempt is due later")
	got = e.act(e.agent, c.ID, "follow-up", miss)
	assert.Equal(t, complaints.FollowUpPending, got.FollowUp.Status)
	got = e.act(e.agent, c.ID, "follow-up", miss)

	assert.Equal(t, complaints.StatusClosed, got.Status)
	assert.Equal(t, complaints.FollowUpUnreachable, got.FollowUp.Status)
	assert.Equal(t, 3, got.FollowUp.Attempts)
	assert.Empty(t, got.Surveys)
	assert.Equal(t, "follow_up_unreachable", got.History[len(got.History)-1].Action)
}

func TestFollowUpDueTimerAlertsOnceAndOnlyForThePendingFollowUp(t *testing.T) {
	e := newEnv(t)
	pending := e.resolveAtFirstContact()
	done := e.resolveAtFirstContact()
	e.act(e.agent, done.ID, "follow-up", map[string]any{"reached": true, "resolved": true})

	ran := e.advanceTo(apitest.Start.Add(24 * time.Hour))
	assert.Equal(t, 2, count(complaints.TypeFollowUpDue, ran), "%v", ran)
	alerts := e.alerts(e.agent, "kind=follow_up_due")
	require.Len(t, alerts, 1)
	assert.Equal(t, pending.ID, alerts[0].ComplaintID)
	assert.Contains(t, actions(e.get(pending.ID)), "follow_up_due")
	assert.NotContains(t, actions(e.get(done.ID)), "follow_up_due")
}

func TestFollowUpListShowsOnlyDueFollowUps(t *testing.T) {
	e := newEnv(t)
	c := e.resolveAtFirstContact()
	var page complaints.ComplaintList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/follow-ups", e.agent.tok(), nil)).JSON(t, &page)
	assert.Empty(t, page.Items, "not due yet")
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/follow-ups?due_before=2026-03-04", e.agent.tok(), nil)).JSON(t, &page)
	require.Len(t, page.Items, 1, "looking ahead")
	assert.Equal(t, c.ID, page.Items[0].ID)
	r := e.Do(http.MethodGet, "/api/v1/follow-ups?due_before=tomorrow", e.agent.tok(), nil)
	assert.Contains(t, details(t, r), "due_before")
}
