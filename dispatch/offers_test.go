package dispatch

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/webhook"
)

// offerJob is the preview test job: an air conditioner at People's Square, as soon as possible.
func offerJob() OfferRequest {
	j := Job{Category: "ac", Brand: "gree", Skills: []string{"ac_repair"}, Lat: jobLat, Lon: jobLon, Priority: PriorityNormal}
	return OfferRequest{OrderID: "SO-1", Job: j, Attempt: 1, Summary: JobSummary{ServiceType: "repair", Category: "ac", City: "Shanghai"}}
}

func TestPlanOfferOffersTheChosenOutletWithADeadlineTimerAndASignedWebhook(t *testing.T) {
	e := newEnv(t)
	near, _ := e.create("outlets", e.admin, outletBody("Near", KindOutsourced, 2))
	e.create("outlets", e.admin, outletBody("Far", KindOutsourced, 9))

	plan, err := e.svc.PlanOffer(t.Context(), offerJob())
	require.NoError(t, err)
	require.NotNil(t, plan.Offer)
	o := *plan.Offer
	assert.Equal(t, near, o.Candidate.ID)
	assert.Equal(t, plan.Decision.Top[0], o.Candidate, "the offer keeps the candidate's cost breakdown")
	assert.Len(t, plan.Decision.Top, 2)
	assert.Equal(t, OfferOpen, o.Status)
	assert.Equal(t, 1, o.Attempt)
	assert.Equal(t, apitest.Start, o.OfferedAt)
	assert.Equal(t, apitest.Start.Add(DefaultAcceptWindow), o.Deadline)

	require.Len(t, plan.Events, 2)
	timer := plan.Events[0]
	assert.Equal(t, TypeOfferExpire, timer.Type)
	assert.Equal(t, queue.Outlet, timer.Queue)
	assert.Equal(t, o.Deadline, timer.DueAt, "the expiry fires at the deadline")
	var exp OfferExpiry
	require.NoError(t, json.Unmarshal(timer.Data, &exp))
	assert.Equal(t, OfferExpiry{OrderID: "SO-1", OfferID: o.ID, Deadline: o.Deadline}, exp)

	hook := plan.Events[1]
	assert.Equal(t, webhook.TypeDeliver, hook.Type)
	assert.Equal(t, queue.Outlet, hook.Queue)
	var d webhook.Delivery
	require.NoError(t, json.Unmarshal(hook.Data, &d))
	assert.Equal(t, webhook.Target{Kind: TargetOutlet, ID: near}, d.Target)
	assert.Equal(t, NoticeOfferCreated, d.Event)
	var n OfferNotice
	require.NoError(t, json.Unmarshal(d.Body, &n))
	assert.Equal(t, OfferNotice{Event: NoticeOfferCreated, OrderID: "SO-1", OfferID: o.ID, Attempt: 1, Deadline: &o.Deadline,
		Job: JobSummary{ServiceType: "repair", Category: "ac", City: "Shanghai"}}, n)

	req := offerJob()
	req.Exclude, req.Attempt, req.Window = []string{near}, 2, 10*time.Minute
	plan, err = e.svc.PlanOffer(t.Context(), req)
	require.NoError(t, err)
	assert.NotEqual(t, near, plan.Offer.Candidate.ID, "an excluded candidate is not offered again")
	assert.Equal(t, 2, plan.Offer.Attempt)
	assert.Equal(t, apitest.Start.Add(10*time.Minute), plan.Offer.Deadline)
}

func TestPlanOfferSendsNoWebhookToTechniciansOrOutletsWithoutOne(t *testing.T) {
	e := newEnv(t)
	team, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	tech, _ := e.create("technicians", e.admin, technicianBody(team, 1))
	plan, err := e.svc.PlanOffer(t.Context(), offerJob())
	require.NoError(t, err)
	assert.Equal(t, tech, plan.Offer.Candidate.ID)
	assert.Equal(t, []string{TypeOfferExpire}, eventTypes(plan.Events))

	e2 := newEnv(t)
	e2.create("outlets", e2.admin, outletBody("Quiet", KindOutsourced, 1, func(b map[string]any) {
		delete(b, "webhook_url")
		delete(b, "webhook_secret")
	}))
	plan, err = e2.svc.PlanOffer(t.Context(), offerJob())
	require.NoError(t, err)
	assert.Equal(t, []string{TypeOfferExpire}, eventTypes(plan.Events))
}

func TestPlanOfferWithNobodyEligibleOffersNothingAndSaysWhy(t *testing.T) {
	e := newEnv(t)
	e.create("outlets", e.admin, outletBody("TVs only", KindOutsourced, 1, func(b map[string]any) { b["categories"] = []string{"tv"} }))
	plan, err := e.svc.PlanOffer(t.Context(), offerJob())
	require.NoError(t, err)
	assert.Nil(t, plan.Offer)
	assert.Empty(t, plan.Events)
	assert.True(t, plan.Decision.NeedsDispatcher())
	assert.Equal(t, "no eligible candidate: 1 not authorised for category 'ac'", plan.Decision.Reason)
}

func TestScoreCostsAHandPickedCandidateAndNamesTheFilterItFails(t *testing.T) {
	e := newEnv(t)
	near, _ := e.create("outlets", e.admin, outletBody("Near", KindOutsourced, 2))
	far, _ := e.create("outlets", e.admin, outletBody("Far", KindOutsourced, 40))
	job := offerJob().Job

	s, inel, ok := e.svc.Score(job, near, apitest.Start)
	require.True(t, ok)
	assert.Empty(t, inel)
	assert.Equal(t, e.svc.Engine().Decide(job, nil, apitest.Start).Top[0].Cost, s.Cost, "the same cost as the engine's")
	assert.Contains(t, s.Why, "total 105.20")
	assert.NotContains(t, s.Why, "cheapest")

	s, inel, ok = e.svc.Score(job, far, apitest.Start)
	require.True(t, ok)
	assert.Equal(t, "outside its service radius", inel)
	assert.Positive(t, s.Cost.Travel, "costed all the same")
	assert.Contains(t, s.Why, "outside its service radius; total")

	_, _, ok = e.svc.Score(job, "OUT-NOPE", apitest.Start)
	assert.False(t, ok)
}

func TestLoadDayIsTheCandidatesCalendarDay(t *testing.T) {
	e := newEnv(t)
	near, _ := e.create("outlets", e.admin, outletBody("Near", KindOutsourced, 2))
	lateUTC := time.Date(2026, 3, 2, 17, 0, 0, 0, time.UTC) // 01:00 on Mar 3 in Shanghai
	assert.Equal(t, Day(20260303), e.svc.LoadDay(near, lateUTC))
	assert.Equal(t, Day(20260303), e.svc.LoadDay("OUT-UNKNOWN", lateUTC), "the default zone")
}

func TestLookupsReadMembersWithoutACallersAccessCheck(t *testing.T) {
	e := newEnv(t)
	out, _ := e.create("outlets", e.admin, outletBody("Partner", KindOutsourced, 2))
	tech, _ := e.create("technicians", e.admin, technicianBody(out, 2))
	o, err := e.svc.LookupOutlet(t.Context(), out)
	require.NoError(t, err)
	assert.Equal(t, "Partner", o.Name)
	tc, err := e.svc.LookupTechnician(t.Context(), tech)
	require.NoError(t, err)
	assert.Equal(t, out, tc.OutletID)
	_, err = e.svc.LookupTechnician(t.Context(), "TEC-NOPE")
	assert.Error(t, err)
}

func eventTypes(events []aggregate.Event) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}
