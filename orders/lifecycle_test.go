package orders_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/orders"
)

func TestCancellingWithdrawsTheOfferAndHandsTheComplaintBack(t *testing.T) {
	e := newEnv(t)
	a := e.outlet("a", 1)
	c := e.complaint(acSerial)
	e.triage(c)
	e.RunDue()
	o := onlyOrder(t, e, c)
	require.Equal(t, a, offeredTo(o))
	path := "/api/v1/service-orders/" + o.ID + "/cancel"

	r := e.Do(http.MethodPost, path, e.agent.tok(), map[string]any{})
	require.Equal(t, http.StatusBadRequest, r.Code)
	assert.Equal(t, map[string]string{"reason": "is required"}, detailsOf(t, r))
	var v orders.ServiceOrderView
	e.must(http.StatusOK, e.Do(http.MethodPost, path, e.agent.tok(), map[string]any{"reason": "customer fixed it"})).JSON(t, &v)
	assert.Equal(t, orders.StatusCancelled, v.Status)
	assert.Nil(t, v.Offer)
	require.Len(t, v.Offers, 1)
	assert.Equal(t, dispatch.OfferWithdrawn, v.Offers[0].Status)

	assert.Contains(t, e.RunDue(), orders.TypeEnded)
	assert.Contains(t, e.hooks.events(), "/hooks/a "+dispatch.NoticeOfferWithdrawn)
	cv := complaintView(e, c)
	assert.Equal(t, complaints.WorkCancelled, cv.Work[0].Status)
	assert.Equal(t, complaints.StatusInProgress, cv.Status, "the agents decide what next")

	r = e.Do(http.MethodPost, path, e.agent.tok(), map[string]any{"reason": "again"})
	assert.Equal(t, http.StatusConflict, r.Code, "a cancelled order stays cancelled")
	e.Clock.Advance(time.Hour)
	e.RunDue()
	assert.Equal(t, orders.StatusCancelled, e.get(o.ID).Status, "the withdrawn offer's timer does nothing")
}

func TestStepsOutOfOrderOrByTheWrongRoleAreRefused(t *testing.T) {
	e := newEnv(t)
	team := e.outlet("team", 0, inHouse)
	tech := e.technician(team, 1)
	me := e.person(auth.RoleTechnician, team, tech).principal()
	o := e.order()
	ctx := t.Context()
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"verify an offered order", func() error {
			_, err := e.svc.Verify(ctx, e.dispatcher.principal(), o.ID, orders.NoteInput{})
			return err
		}, apperr.ErrConflict},
		{"an agent closes", func() error {
			_, err := e.svc.Close(ctx, e.agent.principal(), o.ID, orders.NoteInput{})
			return err
		}, apperr.ErrForbidden},
		{"a technician reports before accepting", func() error {
			_, err := e.svc.RecordVisit(ctx, me, o.ID, orders.VisitInput{Stage: orders.StageOnSite})
			return err
		}, apperr.ErrNotFound},
		{"a dispatcher answers an offer", func() error {
			_, err := e.svc.AcceptOffer(ctx, e.dispatcher.principal(), o.Offer.ID, orders.AcceptInput{})
			return err
		}, apperr.ErrForbidden},
		{"decline without a reason", func() error {
			_, err := e.svc.DeclineOffer(ctx, me, o.Offer.ID, orders.DeclineInput{})
			return err
		}, apperr.ErrValidation},
		{"complete without a report", func() error {
			_, err := e.svc.Complete(ctx, me, o.ID, orders.CompleteInput{ResolutionCode: "Fixed!"})
			return err
		}, apperr.ErrValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.call(), tc.want)
			assert.Equal(t, o.Version, e.get(o.ID).Version, "nothing written")
		})
	}

	_, err := e.svc.AcceptOffer(ctx, me, o.Offer.ID, orders.AcceptInput{})
	require.NoError(t, err)
	_, err = e.svc.RecordVisit(ctx, me, o.ID, orders.VisitInput{Stage: orders.StageOnSite})
	require.NoError(t, err)
	_, err = e.svc.Cancel(ctx, e.agent.principal(), o.ID, orders.CancelInput{Reason: "too late"})
	assert.ErrorIs(t, err, apperr.ErrConflict, "a technician on site finishes or asks for a revisit")
}

func TestRoutesAreDocumentedInTheOpenAPISpec(t *testing.T) {
	e := newEnv(t)
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/service-orders"},
		{http.MethodGet, "/api/v1/service-orders/:id"},
		{http.MethodPost, "/api/v1/service-orders/:id/assign"},
		{http.MethodGet, "/api/v1/dispatch/board"},
		{http.MethodGet, "/api/v1/outlet/offers"},
		{http.MethodPost, "/api/v1/outlet/offers/:id/accept"},
		{http.MethodPost, "/api/v1/outlet/offers/:id/decline"},
		{http.MethodGet, "/api/v1/outlet/service-orders"},
	} {
		assert.True(t, e.Spec.Has(r.method, r.path), "%s %s", r.method, r.path)
	}
	doc := e.Spec.Document()
	paths := doc["paths"].(map[string]any)
	accept := paths["/api/v1/outlet/offers/{id}/accept"].(map[string]any)["post"]
	assert.NotNil(t, accept)
}
