package orders_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/orders"
)

func TestNoCandidateEscalatesToADispatcherWithTheReason(t *testing.T) {
	e := newEnv(t)
	e.trio() // authorised for air conditioners only
	o, err := e.svc.Create(t.Context(), e.agent.principal(), orders.CreateInput{Type: orders.TypeRepair,
		CustomerID: e.customer, Serial: wmSerial})
	require.NoError(t, err)
	ran := e.RunDue()
	assert.Equal(t, 1, count(ran, orders.TypeEscalated), "dispatchers are told on the critical queue")
	o = e.get(o.ID)
	assert.Equal(t, orders.StatusDispatching, o.Status)
	assert.True(t, o.Escalated)
	assert.Equal(t, "no eligible candidate: 3 no skill 'washer_repair'", o.EscalationReason)
	require.NotNil(t, o.Decision, "the decision that found nobody is kept")
	assert.Nil(t, o.Decision.Chosen)
	assert.Empty(t, o.Offer)

	e.redeliver(dispatch.AssignEvent(o.ID))
	assert.Equal(t, o.Version, e.get(o.ID).Version, "an escalated order waits for a dispatcher; a repeated assign does nothing")

	var b orders.Board
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/dispatch/board", e.dispatcher.tok(), nil)).JSON(t, &b)
	require.Equal(t, int64(1), b.Unassigned.Count)
	assert.Equal(t, o.ID, b.Unassigned.Items[0].ID)
	assert.True(t, b.Unassigned.Items[0].Escalated)
	assert.Equal(t, o.EscalationReason, b.Unassigned.Items[0].EscalationReason)
}

func TestOrderWithoutARegisteredUnitIsEscalatedNotStalled(t *testing.T) {
	e := newEnv(t)
	e.trio()
	c := e.complaint("") // names no unit
	e.triage(c)
	e.RunDue()
	list, err := e.svc.List(t.Context(), e.dispatcher.principal(), orders.ListFilter{ComplaintID: c}, pageOf(10))
	require.NoError(t, err)
	require.Len(t, list, 1, "the request is never dropped")
	assert.True(t, list[0].Escalated)
	assert.Equal(t, "the order names no registered unit, so its product category is unknown", list[0].EscalationReason)
}

func TestDispatcherOverrideAssignsByHandWithReasonAndWithdrawsTheOffer(t *testing.T) {
	e := newEnv(t)
	n := e.trio()
	team := e.outlet("team", 40, inHouse) // beyond its radius: the engine never picks it
	tech := e.technician(team, 40)
	o := e.order()
	require.Equal(t, n.a, offeredTo(o))
	path := "/api/v1/service-orders/" + o.ID + "/assign"

	for _, tc := range []struct {
		name   string
		body   map[string]any
		fields map[string]string
	}{
		{"nothing", map[string]any{}, map[string]string{"outlet_id": "outlet_id or technician_id is required", "reason": "is required"}},
		{"both", map[string]any{"outlet_id": n.b, "technician_id": tech, "reason": "x"},
			map[string]string{"outlet_id": "give outlet_id or technician_id, not both"}},
		{"unknown outlet", map[string]any{"outlet_id": "OUT-NOPE", "reason": "x"}, map[string]string{"outlet_id": "no such outlet"}},
		{"in-house team", map[string]any{"outlet_id": team, "reason": "x"},
			map[string]string{"outlet_id": "is an in-house team: assign one of its technicians with technician_id"}},
		{"unknown technician", map[string]any{"technician_id": "TEC-NOPE", "reason": "x"}, map[string]string{"technician_id": "no such technician"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, path, e.dispatcher.tok(), tc.body)
			require.Equal(t, http.StatusBadRequest, r.Code, r.String())
			assert.Equal(t, tc.fields, detailsOf(t, r))
			assert.Equal(t, o.Version, e.get(o.ID).Version, "nothing written")
		})
	}
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, path, e.agent.tok(), map[string]any{"outlet_id": n.b, "reason": "x"}).Code)

	var v orders.ServiceOrderView
	e.must(http.StatusOK, e.Do(http.MethodPost, path, e.dispatcher.tok(),
		map[string]any{"technician_id": tech, "reason": "customer asked for the brand's own team"})).JSON(t, &v)
	assert.Equal(t, orders.StatusAccepted, v.Status)
	require.NotNil(t, v.Assignment)
	assert.True(t, v.Assignment.Manual)
	assert.Equal(t, tech, v.Assignment.TechnicianID)
	assert.Equal(t, dispatch.CandidateTechnician, v.Assignment.Kind)
	require.NotNil(t, v.Override)
	assert.Equal(t, "customer asked for the brand's own team", v.Override.Reason)
	assert.Equal(t, "outside its service radius", v.Override.Ineligible, "the engine says what the manual choice breaks")
	require.NotNil(t, v.Override.Candidate)
	assert.Positive(t, v.Override.Candidate.Cost.Travel)
	assert.Nil(t, v.Offer)
	require.Len(t, v.Offers, 1)
	assert.Equal(t, dispatch.OfferWithdrawn, v.Offers[0].Status)

	e.RunDue()
	assert.Contains(t, e.hooks.events(), "/hooks/a "+dispatch.NoticeOfferWithdrawn, "the outlet whose offer was withdrawn is told")
	e.Clock.Advance(31 * time.Minute)
	e.RunDue()
	assert.Equal(t, orders.StatusAccepted, e.get(o.ID).Status, "the withdrawn offer's timer does nothing")

	// reassigning to an outsourced outlet tells it; its manager then names a technician
	e.must(http.StatusOK, e.Do(http.MethodPost, path, e.dispatcher.tok(), map[string]any{"outlet_id": n.c, "reason": "team is sick"}))
	e.RunDue()
	assert.Contains(t, e.hooks.events(), "/hooks/c "+dispatch.NoticeOrderAssigned)
	got := e.get(o.ID)
	assert.Equal(t, n.c, got.AssignedOutletID)
	assert.Empty(t, got.AssignedTechnicianID)
	assert.Equal(t, n.c, got.LoadRef)
	assert.Equal(t, 2, count(actions(got), "assigned"))
}

func TestRedispatchRunsTheEngineAgainForAnEscalatedOrder(t *testing.T) {
	e := newEnv(t)
	o, err := e.svc.Create(t.Context(), e.agent.principal(), orders.CreateInput{Type: orders.TypeRepair, CustomerID: e.customer, Serial: acSerial})
	require.NoError(t, err)
	e.RunDue()
	require.True(t, e.get(o.ID).Escalated, "no network yet")
	a := e.outlet("a", 1)
	path := "/api/v1/service-orders/" + o.ID + "/redispatch"
	assert.Equal(t, http.StatusBadRequest, e.Do(http.MethodPost, path, e.dispatcher.tok(), map[string]any{}).Code)
	e.must(http.StatusOK, e.Do(http.MethodPost, path, e.dispatcher.tok(), map[string]any{"reason": "outlet a signed up"}))
	e.RunDue()
	o = e.get(o.ID)
	assert.False(t, o.Escalated)
	assert.Equal(t, a, offeredTo(o))
	assert.Equal(t, http.StatusConflict, e.Do(http.MethodPost, path, e.dispatcher.tok(), map[string]any{"reason": "again"}).Code)
}

func TestBoardListsUnassignedOfferedWithTimeLeftAndAtRisk(t *testing.T) {
	e := newEnv(t)
	n := e.trio()
	plain := e.order()
	e.Clock.Advance(10 * time.Minute)
	risky := e.order(func(in *orders.CreateInput) { in.ResolveBy = e.Clock.Now().Add(3 * time.Hour).Format(time.RFC3339) })
	accepted := e.order(func(in *orders.CreateInput) { in.ResolveBy = e.Clock.Now().Add(time.Hour).Format(time.RFC3339) })
	_, err := e.svc.AcceptOffer(t.Context(), e.person(auth.RoleOutlet, n.a, "").principal(), accepted.Offer.ID, orders.AcceptInput{})
	require.NoError(t, err)
	_ = e.order(func(in *orders.CreateInput) { in.ResolveBy = e.Clock.Now().Add(48 * time.Hour).Format(time.RFC3339) })
	pending, err := e.svc.Create(t.Context(), e.agent.principal(), orders.CreateInput{Type: orders.TypeRepair, CustomerID: e.customer, Serial: acSerial})
	require.NoError(t, err) // not dispatched yet
	escalated, err := e.svc.Create(t.Context(), e.agent.principal(), orders.CreateInput{Type: orders.TypeRepair, CustomerID: e.customer, Serial: wmSerial})
	require.NoError(t, err)
	e.redeliver(dispatch.AssignEvent(escalated.ID)) // nobody takes washers

	var b orders.Board
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/dispatch/board", e.dispatcher.tok(), nil)).JSON(t, &b)
	require.Equal(t, int64(2), b.Unassigned.Count)
	assert.Equal(t, escalated.ID, b.Unassigned.Items[0].ID, "escalated orders first")
	assert.True(t, b.Unassigned.Items[0].Escalated)
	assert.Equal(t, pending.ID, b.Unassigned.Items[1].ID)
	assert.Equal(t, orders.StatusCreated, b.Unassigned.Items[1].Status)
	assert.Equal(t, int64(3), b.Offered.Count)
	require.Len(t, b.Offered.Items, 3)
	assert.Equal(t, plain.ID, b.Offered.Items[0].ID, "the soonest deadline first")
	assert.Equal(t, int64(20*60), b.Offered.Items[0].Offer.SecondsLeft)
	assert.Equal(t, int64(30*60), b.Offered.Items[1].Offer.SecondsLeft)
	assert.Equal(t, "4h0m0s", b.AtRiskWithin)
	require.Equal(t, int64(2), b.AtRisk.Count, "resolve-by within 4 h, not completed: %v", b.AtRisk.Items)
	assert.Equal(t, accepted.ID, b.AtRisk.Items[0].ID, "the most urgent first")
	assert.Equal(t, int64(60), *b.AtRisk.Items[0].MinutesLeft)
	assert.Equal(t, risky.ID, b.AtRisk.Items[1].ID)

	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/dispatch/board?limit=1&at_risk_hours=2", e.dispatcher.tok(), nil)).JSON(t, &b)
	assert.Equal(t, int64(3), b.Offered.Count, "the count is the full number")
	assert.Len(t, b.Offered.Items, 1, "the list is capped")
	assert.Equal(t, int64(1), b.AtRisk.Count)

	r := e.Do(http.MethodGet, "/api/v1/dispatch/board?limit=0&at_risk_hours=x", e.dispatcher.tok(), nil)
	require.Equal(t, http.StatusBadRequest, r.Code)
	assert.Len(t, detailsOf(t, r), 2)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/dispatch/board", e.agent.tok(), nil).Code)
}
