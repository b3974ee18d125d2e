package complaints_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/aggregate"
)

func TestHandlersSkipMalformedPayloads(t *testing.T) {
	e := newEnv(t)
	handlers := map[string]func(context.Context, *asynq.Task) error{
		complaints.TypeSLAWarning: e.svc.HandleSLAWarning, complaints.TypeSLABreach: e.svc.HandleSLABreach,
		complaints.TypeFollowUpDue: e.svc.HandleFollowUpDue, complaints.TypeAlert: e.svc.HandleAlert,
	}
	for typ, h := range handlers {
		for _, payload := range []string{`not json`, `{"event_id":"EVT-1","data":"not an object"}`} {
			assert.ErrorIs(t, h(context.Background(), asynq.NewTask(typ, []byte(payload))), asynq.SkipRetry, "%s %s", typ, payload)
		}
	}
}

func TestTimersForAMissingComplaintDoNothing(t *testing.T) {
	e := newEnv(t)
	ev := aggregate.NewEvent(complaints.TypeSLABreach, "critical", complaints.SLATimer{ComplaintID: "CMP-GONE", Clock: "response", Percent: 100, Gen: 1})
	ev.ID, ev.Aggregate, ev.AggregateID = "EVT-1", complaints.ComplaintsCollection, "CMP-GONE"
	task, err := ev.Task()
	require.NoError(t, err)
	assert.NoError(t, e.svc.HandleSLABreach(context.Background(), task))
}

func TestAlertIsFiledOnceWhenItsEventIsDeliveredTwice(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("category", "damaged"))
	types := e.pendingTypes(c.ID)
	require.Contains(t, types, complaints.TypeAlert)
	var d struct {
		Outbox []aggregate.Event `bson:"outbox"`
	}
	require.NoError(t, e.DB.Collection(complaints.ComplaintsCollection).FindByID(context.Background(), c.ID, &d))
	for _, ev := range d.Outbox {
		if ev.Type == complaints.TypeAlert {
			task, err := ev.Task()
			require.NoError(t, err)
			require.NoError(t, e.svc.HandleAlert(context.Background(), task))
			require.NoError(t, e.svc.HandleAlert(context.Background(), task))
		}
	}
	assert.Len(t, e.alerts(e.supervisor, ""), 1)
}

func TestEveryRouteIsInTheOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/complaints"}, {http.MethodGet, "/api/v1/complaints"},
		{http.MethodGet, "/api/v1/complaints/:id"}, {http.MethodGet, "/api/v1/complaints/kpis"},
		{http.MethodGet, "/api/v1/complaints/alerts"}, {http.MethodGet, "/api/v1/follow-ups"},
		{http.MethodPost, "/api/v1/complaints/:id/respond"}, {http.MethodPost, "/api/v1/complaints/:id/class"},
		{http.MethodPost, "/api/v1/complaints/:id/escalate"}, {http.MethodPost, "/api/v1/complaints/:id/assign"},
		{http.MethodPost, "/api/v1/complaints/:id/triage"}, {http.MethodPost, "/api/v1/complaints/:id/resolve"},
		{http.MethodPost, "/api/v1/complaints/:id/cancel"}, {http.MethodPost, "/api/v1/complaints/:id/follow-up"},
	} {
		assert.True(t, e.Spec.Has(r.method, r.path), "%s %s", r.method, r.path)
	}
	_, err := json.Marshal(e.Spec.Document())
	assert.NoError(t, err)
}
