package complaints_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestEscalationMovesUpATierIntoThatTiersQueue(t *testing.T) {
	e := newEnv(t)
	l2 := e.staff(auth.RoleAgent, auth.TierL2)
	c := e.create()
	e.act(e.agent, c.ID, "assign", map[string]any{"agent_id": e.agent.ID})

	got := e.act(e.agent, c.ID, "escalate", map[string]any{"to_tier": "L2", "reason": "needs a product specialist"})
	assert.Equal(t, auth.TierL2, got.Tier)
	assert.Empty(t, got.Assignee, "back in the shared queue of the new tier")
	last := got.History[len(got.History)-1]
	assert.Equal(t, "escalated", last.Action)
	assert.Equal(t, "L1 → L2: needs a product specialist", last.Note)

	e.RunDue()
	alerts := e.alerts(l2, "kind=escalated")
	if assert.Len(t, alerts, 1) {
		assert.Equal(t, "tier:L2", alerts[0].To)
	}

	r := e.post(e.agent, c.ID, "respond", map[string]any{"message": "hello"})
	assert.Equal(t, http.StatusForbidden, r.Code, "an L1 agent cannot work an L2 complaint")
	r = e.post(l2, c.ID, "escalate", map[string]any{"to_tier": "L1", "reason": "simple after all"})
	assert.Equal(t, map[string]string{"to_tier": "must be above the complaint's tier L2"}, details(t, r), "tiers only go up")
	got = e.act(l2, c.ID, "respond", map[string]any{"message": "hello"})
	assert.Equal(t, complaints.StatusInProgress, got.Status)
	got = e.act(e.supervisor, c.ID, "escalate", map[string]any{"to_tier": "L3", "reason": "legal"})
	assert.Equal(t, auth.TierL3, got.Tier)
}

func TestAssignment(t *testing.T) {
	e := newEnv(t)
	l2 := e.staff(auth.RoleAgent, auth.TierL2)
	other := e.staff(auth.RoleAgent, auth.TierL1)
	dispatcher := e.staff(auth.RoleDispatcher, "")
	c := e.create()

	for _, tc := range []struct {
		name string
		who  staffer
		body map[string]any
		code int
	}{
		{"an agent cannot assign someone else", e.agent, map[string]any{"agent_id": other.ID}, http.StatusForbidden},
		{"the supervisor cannot assign a non-agent", e.supervisor, map[string]any{"agent_id": dispatcher.ID}, http.StatusBadRequest},
		{"the supervisor cannot assign an unknown user", e.supervisor, map[string]any{"agent_id": "USR-NOPE"}, http.StatusBadRequest},
		{"an agent takes it", e.agent, map[string]any{"agent_id": e.agent.ID}, http.StatusOK},
		{"taking it again is a conflict", e.agent, map[string]any{"agent_id": e.agent.ID}, http.StatusConflict},
		{"a higher-tier agent may take a lower-tier complaint", l2, map[string]any{"agent_id": l2.ID}, http.StatusOK},
		{"the supervisor reassigns", e.supervisor, map[string]any{"agent_id": e.agent.ID}, http.StatusOK},
	} {
		r := e.post(tc.who, c.ID, "assign", tc.body)
		assert.Equal(t, tc.code, r.Code, "%s: %s", tc.name, r.String())
	}
	got := e.get(c.ID)
	assert.Equal(t, e.agent.ID, got.Assignee)
	assert.Equal(t, 3, count("assigned", actions(got)))

	e.act(e.supervisor, c.ID, "escalate", map[string]any{"to_tier": "L3", "reason": "legal"})
	r := e.post(e.supervisor, c.ID, "assign", map[string]any{"agent_id": l2.ID})
	assert.Equal(t, map[string]string{"agent_id": "is a tier L2 agent; the complaint is at tier L3"}, details(t, r))
}

func TestCancelNeedsAReasonAndEndsTheClocks(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("category", "damaged"))
	r := e.post(e.agent, c.ID, "cancel", map[string]any{})
	assert.Equal(t, map[string]string{"reason": "is required"}, details(t, r))
	got := e.act(e.agent, c.ID, "cancel", map[string]any{"reason": "duplicate of an earlier call"})
	assert.Equal(t, complaints.StatusCancelled, got.Status)
	e.Clock.Advance(100 * time.Hour)
	e.RunDue()
	assert.False(t, e.get(c.ID).Breached, "a cancelled complaint's clocks are stopped")
	assert.Equal(t, http.StatusConflict, e.post(e.agent, c.ID, "resolve", map[string]any{"resolution": "x"}).Code)
}
