package complaints_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// desks stands in for the RMA and service-order packages, which do not exist yet: it
// consumes the request events as they will, creating an id and linking it back.
type desks struct {
	rmas []complaints.RMARequested
	sos  []complaints.ServiceOrderRequested
}

func (e *env) withDesks() *desks {
	d := &desks{}
	e.Mux.HandleFunc(complaints.TypeRMARequested, func(ctx context.Context, t *asynq.Task) error {
		var req complaints.RMARequested
		if err := decodeTask(t, &req); err != nil {
			return err
		}
		d.rmas = append(d.rmas, req)
		return e.svc.LinkWork(ctx, req.ComplaintID, req.RequestID, "RMA-"+req.RequestID)
	})
	e.Mux.HandleFunc(complaints.TypeServiceOrderRequested, func(ctx context.Context, t *asynq.Task) error {
		var req complaints.ServiceOrderRequested
		if err := decodeTask(t, &req); err != nil {
			return err
		}
		d.sos = append(d.sos, req)
		return e.svc.LinkWork(ctx, req.ComplaintID, req.RequestID, "SO-"+req.RequestID)
	})
	return d
}

func decodeTask(t *asynq.Task, v any) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	return env.Decode(v)
}

func TestTriagedComplaintIsResolvedWhenAllLinkedWorkIsDone(t *testing.T) {
	e := newEnv(t)
	d := e.withDesks()
	c := e.create(with("serial", e.serial), with("category", "damaged"))
	got := e.act(e.agent, c.ID, "triage", map[string]any{
		"rma":           map[string]any{"type": "exchange", "reason": "arrived dented", "lines": []any{map[string]any{"line_no": 1, "qty": 1}}},
		"service_order": map[string]any{"type": "installation", "notes": "install the replacement"},
	})
	assert.Equal(t, complaints.StatusAwaitingWork, got.Status)
	require.Len(t, got.Work, 2)
	for _, w := range got.Work {
		assert.Equal(t, complaints.WorkRequested, w.Status)
		assert.Empty(t, w.Ref)
	}

	e.RunDue()
	require.Len(t, d.rmas, 1)
	require.Len(t, d.sos, 1)
	assert.Equal(t, complaints.RMARequested{ComplaintID: c.ID, RequestID: got.Work[0].ID, CustomerID: e.customer,
		SalesOrderID: e.order, Serial: e.serial, Type: "exchange", Lines: []complaints.RMALine{{LineNo: 1, Qty: 1}},
		Reason: "arrived dented", Class: complaints.ClassSerious, ResolutionDue: c.ResolutionDue}, d.rmas[0])
	rma, so := "RMA-"+got.Work[0].ID, "SO-"+got.Work[1].ID
	got = e.get(c.ID)
	assert.Equal(t, []string{complaints.WorkLinked, complaints.WorkLinked}, []string{got.Work[0].Status, got.Work[1].Status})
	assert.Equal(t, []string{rma, so}, []string{got.Work[0].Ref, got.Work[1].Ref})

	ctx := context.Background()
	require.NoError(t, e.svc.WorkDone(ctx, c.ID, rma))
	require.NoError(t, e.svc.WorkDone(ctx, c.ID, rma), "a repeated call changes nothing")
	assert.Equal(t, complaints.StatusAwaitingWork, e.get(c.ID).Status, "the service order is still open")

	e.Clock.Advance(3 * time.Hour)
	require.NoError(t, e.svc.WorkDone(ctx, c.ID, so))
	got = e.get(c.ID)
	assert.Equal(t, complaints.StatusResolved, got.Status)
	assert.False(t, got.FCR, "it took linked work")
	require.NotNil(t, got.FollowUp)
	assert.Equal(t, e.Clock.Now().Add(24*time.Hour), got.FollowUp.DueAt)
	assert.Equal(t, "resolved_by_work", got.History[len(got.History)-1].Action)
	assert.Equal(t, "system", got.History[len(got.History)-1].Actor)
}

func TestAgentCannotResolveWhileLinkedWorkIsOpen(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("serial", e.serial))
	e.act(e.agent, c.ID, "triage", map[string]any{"service_order": map[string]any{"type": "repair"}})
	r := e.post(e.agent, c.ID, "resolve", map[string]any{"resolution": "fixed"})
	assert.Equal(t, http.StatusConflict, r.Code, r.String())
	r = e.post(e.agent, c.ID, "cancel", map[string]any{"reason": "duplicate"})
	assert.Equal(t, http.StatusConflict, r.Code, r.String())
}

func TestCancelledWorkSendsTheComplaintBackToTheAgents(t *testing.T) {
	e := newEnv(t)
	e.withDesks()
	c := e.create(with("serial", e.serial), with("category", "damaged"))
	got := e.act(e.agent, c.ID, "triage", map[string]any{"rma": map[string]any{"type": "refund_only", "reason": "dented"}})
	e.RunDue()
	rma := "RMA-" + got.Work[0].ID
	ctx := context.Background()
	require.NoError(t, e.svc.WorkCancelled(ctx, c.ID, rma, "outside the return window"))
	got = e.get(c.ID)
	assert.Equal(t, complaints.StatusInProgress, got.Status)
	assert.Equal(t, complaints.WorkCancelled, got.Work[0].Status)

	// The agent tries a repair instead; when it is done the complaint resolves, even
	// though the earlier RMA was cancelled.
	got = e.act(e.agent, c.ID, "triage", map[string]any{"service_order": map[string]any{"type": "repair"}})
	e.RunDue()
	require.NoError(t, e.svc.WorkDone(ctx, c.ID, "SO-"+got.Work[1].ID))
	assert.Equal(t, complaints.StatusResolved, e.get(c.ID).Status)
}

func TestLinkWorkAndWorkDoneRefuseWhatTheyDoNotKnow(t *testing.T) {
	e := newEnv(t)
	e.withDesks()
	c := e.create(with("serial", e.serial))
	got := e.act(e.agent, c.ID, "triage", map[string]any{"service_order": map[string]any{"type": "repair"}})
	e.RunDue()
	ctx := context.Background()
	assert.ErrorIs(t, e.svc.LinkWork(ctx, c.ID, "WRQ-NOPE", "SO-1"), apperr.ErrNotFound)
	assert.ErrorIs(t, e.svc.LinkWork(ctx, c.ID, got.Work[0].ID, "SO-OTHER"), apperr.ErrConflict, "already linked to another order")
	assert.NoError(t, e.svc.LinkWork(ctx, c.ID, got.Work[0].ID, "SO-"+got.Work[0].ID), "the same link again is fine")
	assert.ErrorIs(t, e.svc.WorkDone(ctx, c.ID, "SO-NOPE"), apperr.ErrNotFound)
	assert.ErrorIs(t, e.svc.WorkDone(ctx, "CMP-NOPE", "SO-1"), apperr.ErrNotFound)
}

func TestTriageValidatesItsRequests(t *testing.T) {
	e := newEnv(t)
	c := e.create() // no serial, no sales order
	r := e.post(e.agent, c.ID, "triage", map[string]any{})
	assert.Equal(t, map[string]string{"rma": "rma or service_order is required"}, details(t, r))
	r = e.post(e.agent, c.ID, "triage", map[string]any{
		"rma":           map[string]any{"type": "swap", "lines": []any{map[string]any{"line_no": 0, "qty": 0}}},
		"service_order": map[string]any{"type": "cleaning"}})
	assert.Equal(t, map[string]string{
		"rma.type":             "must be one of: return_refund, exchange, refund_only, depot_repair",
		"rma.reason":           "is required",
		"rma.lines[0].line_no": "must be 1 or more",
		"rma.lines[0].qty":     "must be between 1 and 999",
		"service_order.type":   "must be one of: repair, installation, maintenance, inspection",
	}, details(t, r))
	r = e.post(e.agent, c.ID, "triage", map[string]any{"rma": map[string]any{"type": "return_refund", "reason": "changed mind"}})
	assert.Equal(t, map[string]string{"rma": "the complaint names no sales order; an RMA is made against sales-order lines"}, details(t, r))
	assert.Equal(t, complaints.StatusOpen, e.get(c.ID).Status, "nothing written")
}
