package orders_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/orders"
)

func TestOutletManagersSeeAndAnswerOnlyTheirOwnOffersAndOrders(t *testing.T) {
	e := newEnv(t)
	n := e.trio()
	techA, techB := e.technician(n.a, 1), e.technician(n.b, 3)
	mgrA, mgrB := e.person(auth.RoleOutlet, n.a, ""), e.person(auth.RoleOutlet, n.b, "")
	o := e.order()
	require.Equal(t, n.a, offeredTo(o))
	offer := o.Offer.ID

	var list orders.OfferList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/outlet/offers", mgrB.tok(), nil)).JSON(t, &list)
	assert.Empty(t, list.Items, "another outlet's offer is not listed")
	for _, r := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/api/v1/outlet/offers/" + offer + "/accept", map[string]any{"technician_id": techB}},
		{http.MethodPost, "/api/v1/outlet/offers/" + offer + "/decline", map[string]any{"reason": "mine now"}},
		{http.MethodGet, "/api/v1/outlet/service-orders/" + o.ID, nil},
		{http.MethodPost, "/api/v1/outlet/service-orders/" + o.ID + "/technician", map[string]any{"technician_id": techB}},
	} {
		res := e.Do(r.method, r.path, mgrB.tok(), r.body)
		assert.Equal(t, http.StatusNotFound, res.Code, "%s %s: %s", r.method, r.path, res.String())
	}
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/service-orders/"+o.ID, mgrA.tok(), nil).Code,
		"outlets use their own endpoints, not the staff list")
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/outlet/offers", e.dispatcher.tok(), nil).Code)

	// the offered outlet sees the offer in outline, and may read the order
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/outlet/offers", mgrA.tok(), nil)).JSON(t, &list)
	require.Len(t, list.Items, 1)
	assert.Equal(t, "Shanghai", list.Items[0].Job.City)
	assert.InDelta(t, 1.0, list.Items[0].DistanceKm, 0.01)
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/outlet/service-orders/"+o.ID, mgrA.tok(), nil))

	r := e.Do(http.MethodPost, "/api/v1/outlet/offers/"+offer+"/accept", mgrA.tok(), map[string]any{"technician_id": techB})
	require.Equal(t, http.StatusBadRequest, r.Code, "another outlet's technician")
	assert.Equal(t, map[string]string{"technician_id": "is not a technician of outlet " + n.a}, detailsOf(t, r))
	assert.Equal(t, o.Version, e.get(o.ID).Version)

	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/outlet/offers/"+offer+"/accept", mgrA.tok(), map[string]any{}))
	var mine orders.ServiceOrderList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/outlet/service-orders", mgrA.tok(), nil)).JSON(t, &mine)
	require.Len(t, mine.Items, 1)
	assert.Empty(t, mine.Items[0].Assignment.TechnicianID, "accepted without a technician")
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/outlet/service-orders", mgrB.tok(), nil)).JSON(t, &mine)
	assert.Empty(t, mine.Items)

	var v orders.ServiceOrderView
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/outlet/service-orders/"+o.ID+"/technician", mgrA.tok(),
		map[string]any{"technician_id": techA})).JSON(t, &v)
	assert.Equal(t, techA, v.Assignment.TechnicianID)
	e.must(http.StatusOK, e.Do(http.MethodPost, "/api/v1/outlet/service-orders/"+o.ID+"/appointment", mgrA.tok(),
		map[string]any{"start": "2026-03-03T09:00:00+08:00", "end": "2026-03-03T11:00:00+08:00"})).JSON(t, &v)
	assert.Equal(t, orders.StatusScheduled, v.Status)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, "/api/v1/outlet/service-orders/"+o.ID+"/appointment", mgrB.tok(),
		map[string]any{"start": "2026-03-03T09:00:00+08:00", "end": "2026-03-03T11:00:00+08:00"}).Code)
}
