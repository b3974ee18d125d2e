package orders_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/orders"
)

// A visit that does not fix the unit creates a linked follow-up order; the first order
// is not a first-time fix, and the complaint is resolved only when the last visit closes.
func TestRevisitCreatesALinkedFollowUpAndCountsAgainstFirstTimeFix(t *testing.T) {
	e := newEnv(t)
	team := e.outlet("team", 0, inHouse)
	tech := e.technician(team, 1)
	me := e.person(auth.RoleTechnician, team, tech).principal()
	ctx := t.Context()
	c := e.complaint(acSerial)
	e.triage(c)
	e.RunDue()
	first := onlyOrder(t, e, c)

	// on site, the technician finds the part is not in the van
	e.visit(me, first, false)
	_, err := e.svc.Revisit(ctx, me, first.ID, orders.RevisitInput{Reason: "compressor not in the van"})
	require.NoError(t, err)
	first = e.get(first.ID)
	assert.Equal(t, orders.StatusRevisitNeeded, first.Status)
	require.NotNil(t, first.FirstTimeFix)
	assert.False(t, *first.FirstTimeFix, "a revisit counts against first-time fix")
	require.NotEmpty(t, first.RevisitID)

	ran := e.RunDue()
	assert.Contains(t, ran, orders.TypeRevisitRequested)
	second := e.get(first.RevisitID)
	assert.Equal(t, first.ID, second.RevisitOf)
	assert.Equal(t, c, second.ComplaintID)
	assert.Equal(t, orders.StatusOffered, second.Status, "the follow-up is dispatched like any order")
	assert.Equal(t, "revisit of "+first.ID+": compressor not in the van", second.Notes)
	assert.Equal(t, int64(2), e.Count(orders.ServiceOrdersCollection), "the revisit event made no second follow-up")

	// the follow-up is completed, but at verification the customer says it still fails
	e.visit(me, second, true)
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/service-orders/"+second.ID+"/revisit", e.dispatcher.tok(),
		map[string]any{"reason": "fault came back the next day"}))
	second = e.get(second.ID)
	assert.Nil(t, second.FirstTimeFix, "only a first visit has a first-time-fix verdict")
	e.RunDue()
	third := e.get(second.RevisitID)
	assert.Equal(t, second.ID, third.RevisitOf)

	e.visit(me, third, true)
	assert.Equal(t, second.ID, e.done.got[len(e.done.got)-1].RevisitOf, "fees and parts learn it was a revisit")
	for _, step := range []string{"verify", "close"} {
		e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/service-orders/"+third.ID+"/"+step, e.dispatcher.tok(), map[string]any{}))
	}
	e.RunDue()
	cv := complaintView(e, c)
	assert.Equal(t, complaints.StatusResolved, cv.Status, "the complaint's work (the first order) is done when the last visit closes")
	assert.Equal(t, complaints.WorkDone, cv.Work[0].Status)
	assert.Equal(t, first.ID, cv.Work[0].Ref)
}

func onlyOrder(t *testing.T, e *env, complaintID string) *orders.ServiceOrder {
	t.Helper()
	list, err := e.svc.List(t.Context(), e.dispatcher.principal(), orders.ListFilter{ComplaintID: complaintID}, pageOf(10))
	require.NoError(t, err)
	require.Len(t, list, 1)
	return e.get(list[0].ID)
}

// visit has the in-house technician accept the order's offer and go on site, and
// complete the work when complete is set.
func (e *env) visit(tech auth.Principal, o *orders.ServiceOrder, complete bool) {
	e.t.Helper()
	ctx := e.t.Context()
	require.NotNil(e.t, o.Offer, "order %s has no open offer", o.ID)
	_, err := e.svc.AcceptOffer(ctx, tech, o.Offer.ID, orders.AcceptInput{})
	require.NoError(e.t, err)
	_, err = e.svc.RecordVisit(ctx, tech, o.ID, orders.VisitInput{Stage: orders.StageOnSite})
	require.NoError(e.t, err)
	if complete {
		_, err = e.svc.Complete(ctx, tech, o.ID, orders.CompleteInput{ResolutionCode: "repaired", FaultFound: "loose wire",
			WorkDone: "fixed the wiring", SignatureRef: "sig/" + o.ID})
		require.NoError(e.t, err)
		e.RunDue()
	}
}
