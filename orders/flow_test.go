package orders_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/registry"
)

// A complaint becomes a service order, which is dispatched to the cheapest outsourced
// outlet, offered through its signed webhook, accepted by its manager with a
// technician, done, verified and closed, which resolves the complaint.
func TestComplaintToServiceOrderDispatchedOfferedAcceptedByOutletWithTechnician(t *testing.T) {
	e := newEnv(t)
	near := e.outlet("near", 2)
	far := e.outlet("far", 6)
	tech := e.technician(near, 2)
	manager := e.person(auth.RoleOutlet, near, "")

	// complaint → triage → service order requested
	var c complaints.ComplaintView
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), map[string]any{
		"channel": "phone", "customer_id": e.customer, "serial": acSerial, "category": "needs_repair",
		"description": "The air conditioner does not cool."})).JSON(t, &c)
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/complaints/"+c.ID+"/triage", e.agent.tok(),
		map[string]any{"service_order": map[string]any{"type": "repair", "notes": "no cooling"}}))
	ran := e.RunDue()
	assert.Subset(t, ran, []string{complaints.TypeServiceOrderRequested, dispatch.TypeAssign, "webhook:deliver"})

	// the complaint knows its order; the order was dispatched and offered
	c = complaintView(e, c.ID)
	require.Len(t, c.Work, 1)
	require.Equal(t, complaints.WorkLinked, c.Work[0].Status)
	soID := c.Work[0].Ref
	var so orders.ServiceOrderView
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/service-orders/"+soID, e.dispatcher.tok(), nil)).JSON(t, &so)
	assert.Equal(t, orders.StatusOffered, so.Status)
	assert.Equal(t, c.ID, so.ComplaintID)
	assert.Equal(t, "air_conditioner", so.Category)
	assert.Equal(t, "gree", so.Brand)
	assert.Equal(t, c.ResolutionDue, *so.ResolveBy, "resolve-by comes from the complaint's resolution deadline")
	require.NotNil(t, so.Decision)
	assert.Equal(t, near, so.Decision.Chosen.ID)
	require.Len(t, so.Decision.Top, 2, "top candidates with their cost breakdown are kept")
	assert.Equal(t, far, so.Decision.Top[1].ID)
	assert.Positive(t, so.Decision.Top[0].Cost.Total)
	assert.Equal(t, so.Decision.Top[0].Cost.Labour+so.Decision.Top[0].Cost.Travel+so.Decision.Top[0].Cost.SLARisk+
		so.Decision.Top[0].Cost.Quality+so.Decision.Top[0].Cost.Load, so.Decision.Top[0].Cost.Total)
	require.NotNil(t, so.Offer)
	assert.Equal(t, int64(30*60), so.Offer.SecondsLeft)
	assert.Equal(t, []string{"/hooks/near " + dispatch.NoticeOfferCreated}, e.hooks.events(), "signed webhook to the outsourced outlet")

	// the outlet manager sees the offer and accepts it with one of their technicians
	var offers orders.OfferList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/outlet/offers", manager.tok(), nil)).JSON(t, &offers)
	require.Len(t, offers.Items, 1)
	assert.Equal(t, soID, offers.Items[0].OrderID)
	e.Clock.Advance(10 * time.Minute)
	var accepted orders.ServiceOrderView
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/outlet/offers/"+offers.Items[0].OfferID+"/accept", manager.tok(),
		map[string]any{"technician_id": tech})).JSON(t, &accepted)
	so = accepted
	assert.Equal(t, orders.StatusAccepted, so.Status)
	require.NotNil(t, so.Assignment)
	assert.Equal(t, near, so.Assignment.OutletID)
	assert.Equal(t, tech, so.Assignment.TechnicianID)
	assert.Equal(t, "138****5678", so.Customer.Phone, "outlets see the phone masked")
	assert.Nil(t, so.Decision, "outlets do not see the other candidates")
	assert.Equal(t, 1, e.openJobs(near, so), "the engine's load map counts the job")

	// the technician does the job through the service (the mobile API calls these)
	techUser := e.person(auth.RoleTechnician, near, tech).principal()
	ctx := context.Background()
	_, err := e.svc.SetAppointment(ctx, techUser, soID, orders.AppointmentInput{Start: "2026-03-02T14:00:00+08:00", End: "2026-03-02T16:00:00+08:00"})
	require.NoError(t, err)
	for _, stage := range []string{orders.StageEnRoute, orders.StageOnSite} {
		_, err = e.svc.RecordVisit(ctx, techUser, soID, orders.VisitInput{Stage: stage, Lat: ptr(homeLat), Lon: ptr(homeLon)})
		require.NoError(t, err)
	}
	_, err = e.svc.Complete(ctx, techUser, soID, orders.CompleteInput{ResolutionCode: "part_replaced",
		FaultFound: "capacitor failed", WorkDone: "replaced the capacitor", PartsConsumed: []string{"cap-001"}, SignatureRef: "sig/1"})
	require.NoError(t, err)
	e.RunDue()
	require.Len(t, e.done.got, 1, "orders:completed is handed on once")
	assert.Equal(t, orders.Completed{OrderID: soID, ServiceType: "repair", CandidateKind: dispatch.CandidateOutlet, OutletID: near,
		TechnicianID: tech, Serial: acSerial, SKU: "AC-100", Category: "air_conditioner", Brand: "gree", InWarranty: true,
		City: "Shanghai", Province: "Shanghai", DistanceKm: so.Offers[0].Candidate.DistanceKm, CompletedAt: e.Clock.Now(),
		ResolutionCode: "part_replaced", FaultFound: "capacitor failed", WorkDone: "replaced the capacitor",
		PartsConsumed: []string{"CAP-001"}, SignatureRef: "sig/1", ComplaintID: c.ID}, e.done.got[0])

	// the dispatcher verifies and closes: the complaint is resolved, the load released
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/service-orders/"+soID+"/verify", e.dispatcher.tok(), map[string]any{"note": "customer confirmed"}))
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/service-orders/"+soID+"/close", e.dispatcher.tok(), map[string]any{})).JSON(t, &so)
	assert.Equal(t, orders.StatusClosed, so.Status)
	assert.Equal(t, true, *so.FirstTimeFix)
	assert.Contains(t, e.RunDue(), orders.TypeEnded)
	assert.Equal(t, complaints.StatusResolved, complaintView(e, c.ID).Status)
	assert.Equal(t, 0, e.openJobs(near, so))
	assert.Equal(t, []string{"created", "dispatch_started", "offered", "offer_accepted", "scheduled", "en_route", "on_site",
		"completed", "verified", "closed"}, historyActions(so))

	stored, err := e.svc.Order(ctx, soID)
	require.NoError(t, err)
	assert.Equal(t, tech, stored.AssignedTechnicianID, "other domains read the order without a caller")
	unit, err := e.reg.DescribeUnit(ctx, acSerial)
	require.NoError(t, err)
	assert.Equal(t, 2, countKind(unit.History, "service_order"), "the unit's history has the order's creation and completion")
}

func complaintView(e *env, id string) complaints.ComplaintView {
	var v complaints.ComplaintView
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/"+id, e.agent.tok(), nil)).JSON(e.t, &v)
	return v
}

func historyActions(v orders.ServiceOrderView) []string {
	var out []string
	for _, h := range v.History {
		out = append(out, h.Action)
	}
	return out
}

func countKind(h []registry.HistoryEntryView, kind string) int {
	n := 0
	for _, x := range h {
		if x.Kind == kind {
			n++
		}
	}
	return n
}

// openJobs reads the engine's stored count of open jobs on the order's load slot, and
// checks that it is ref's.
func (e *env) openJobs(ref string, so orders.ServiceOrderView) int {
	e.t.Helper()
	o := e.get(so.ID)
	require.Equal(e.t, ref, o.LoadRef)
	var d struct {
		Open int `bson:"open"`
	}
	err := e.DB.Collection(dispatch.LoadsCollection).FindByID(context.Background(), fmt.Sprintf("%s|%d", o.LoadRef, o.LoadDay), &d)
	if errors.Is(err, mongox.ErrNotFound) {
		return 0
	}
	require.NoError(e.t, err)
	return d.Open
}
