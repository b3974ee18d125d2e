package mobileapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/mobileapi"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
)

// partsOrders answers parts' order lookups from the orders service, as the server's
// wiring does.
type partsOrders struct{ ord *orders.Service }

func (a partsOrders) OrderForParts(ctx context.Context, id string) (parts.OrderInfo, error) {
	o, err := a.ord.Order(ctx, id)
	if err != nil {
		return parts.OrderInfo{}, err
	}
	info := parts.OrderInfo{ID: o.ID, TechnicianID: o.AssignedTechnicianID, OutletID: o.AssignedOutletID,
		UnitSerial: o.Serial, Category: o.Category}
	if o.Unit != nil {
		info.InWarranty = o.Unit.InWarranty
	}
	return info, nil
}

// everywhere says every stock location exists: the network is dispatch's concern.
type everywhere struct{}

func (everywhere) Exists(context.Context, string, string) (bool, error) { return true, nil }

func TestCompletionConsumesFromTheTechniciansVanThroughTheRealPartsService(t *testing.T) {
	var ps *parts.Service
	e := build(t, mobileapi.Config{}, func(e *env) mobileapi.Parts {
		var err error
		ps, err = parts.NewService(parts.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Locations: everywhere{}, Orders: partsOrders{e.ord}})
		require.NoError(t, err)
		require.NoError(t, ps.EnsureIndexes(context.Background()))
		ps.Register(e.Mux)
		e.Watch(parts.Collections()...)
		return ps
	})
	ctx := context.Background()
	_, err := ps.CreatePart(ctx, e.admin, parts.PartInput{PartNo: "HOSE-01", Name: "Drain hose", ReturnDefective: true, UnitCost: 800, ListPrice: 1200})
	require.NoError(t, err)
	_, err = ps.Adjust(ctx, e.admin, parts.AdjustInput{Location: parts.Van(e.a.id).String(), PartNo: "HOSE-01", Delta: 1, Note: "van stock"})
	require.NoError(t, err)

	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	e.event(e.a.tok(), job, "check_in", e.at(0, 10))
	e.sign(job)
	path := "/mobile/v1/jobs/" + job + "/complete"
	r := e.Do(http.MethodPost, path, e.a.tok(), completion(map[string]any{"part_no": "HOSE-01", "defective_serial": "OLD-1"},
		map[string]any{"part_no": "HOSE-01", "defective_serial": "OLD-2"}))
	assert.GreaterOrEqual(t, r.Code, 400, "the van holds one hose, not two: %s", r.String())
	assert.Contains(t, r.String(), "parts[1]")
	assert.Equal(t, orders.StatusOnSite, e.status(job))

	v := mustJob(e, e.Do(http.MethodPost, path, e.a.tok(), completion(map[string]any{"part_no": "HOSE-01", "defective_serial": "OLD-1"})))
	assert.Equal(t, orders.StatusCompleted, v.Status, "the hose consumed by the first attempt is not consumed again")
	assert.EqualValues(t, 1, e.Count(mobileapi.ConsumedCollection))
	e.RunDue()
	assert.EqualValues(t, 1, e.completed.Load(), "orders told fees, parts and the complaint")
}
