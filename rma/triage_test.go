package rma_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/rma"
)

// triage takes in a complaint about serial and triages it into an RMA of typ for the
// order's line 1, qty; it returns the complaint id and the request event, still queued.
func (e *env) triage(serial, typ string, qty int) (string, aggregate.Event) {
	e.t.Helper()
	var c complaints.ComplaintView
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), map[string]any{
		"channel": "phone", "customer_id": e.customer, "serial": serial, "category": "damaged",
		"description": "Arrived dented."})).JSON(e.t, &c)
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/complaints/"+c.ID+"/triage", e.agent.tok(), map[string]any{
		"rma": map[string]any{"type": typ, "reason": "dented", "lines": []any{map[string]any{"line_no": 1, "qty": qty}}}}))
	var d struct {
		Outbox []aggregate.Event `bson:"outbox"`
	}
	require.NoError(e.t, e.DB.Collection(complaints.ComplaintsCollection).FindByID(context.Background(), c.ID, &d))
	for _, ev := range d.Outbox {
		if ev.Type == complaints.TypeRMARequested {
			return c.ID, ev
		}
	}
	e.t.Fatal("triage queued no RMA request")
	return "", aggregate.Event{}
}

func (e *env) complaint(id string) complaints.ComplaintView {
	e.t.Helper()
	var c complaints.ComplaintView
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/"+id, e.agent.tok(), nil)).JSON(e.t, &c)
	return c
}

func (e *env) rmasOf(complaintID string) []rma.View {
	e.t.Helper()
	var page rma.List
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/rmas?complaint_id="+complaintID, e.agent.tok(), nil)).JSON(e.t, &page)
	return page.Items
}

func TestRedeliveredRMARequestOpensOneRMA(t *testing.T) {
	e := newEnv(t)
	c, req := e.triage("SN-AC-1", "return_refund", 1)
	task, err := req.Task()
	require.NoError(t, err)
	require.NoError(t, e.Mux.ProcessTask(context.Background(), task))
	require.NoError(t, e.Mux.ProcessTask(context.Background(), task), "delivered twice")
	e.RunDue()
	got := e.rmasOf(c)
	require.Len(t, got, 1)
	assert.Equal(t, rma.ReasonQuality, got[0].ReasonCode, "a damaged-goods complaint is serious: a quality return")
	assert.Equal(t, 1, e.claimed(e.order, 1))
	assert.Equal(t, got[0].ID, e.complaint(c).Work[0].Ref)
}

func TestRMARequestThatCannotBeHonouredSendsTheComplaintBackToItsAgents(t *testing.T) {
	e := newEnv(t)
	e.open(e.body("return_refund", "quality", line(e.order, 1, 2))) // both air conditioners are already coming back
	c, _ := e.triage("SN-AC-1", "exchange", 1)
	e.RunDue()
	got := e.rmasOf(c)
	require.Len(t, got, 1)
	assert.Equal(t, "rejected", got[0].Status)
	assert.Contains(t, got[0].EndReason, "no longer returnable")
	cmp := e.complaint(c)
	assert.Equal(t, complaints.StatusInProgress, cmp.Status, "back to the agents to decide")
	assert.Equal(t, complaints.WorkCancelled, cmp.Work[0].Status)
	assert.Equal(t, got[0].ID, cmp.Work[0].Ref)
}

func TestRejectedRMAOfATriageSendsTheComplaintBack(t *testing.T) {
	e := newEnv(t)
	c, _ := e.triage("SN-AC-1", "return_refund", 1)
	e.RunDue()
	v := e.rmasOf(c)[0]
	e.act(e.agent, "rmas/"+v.ID+"/reject", map[string]any{"reason": "customer damaged it"})
	e.RunDue()
	cmp := e.complaint(c)
	assert.Equal(t, complaints.StatusInProgress, cmp.Status)
	assert.Contains(t, cmp.Work[0].Note, "customer damaged it")
	assert.Equal(t, 0, e.claimed(e.order, 1))
}
