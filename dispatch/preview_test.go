package dispatch

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apitest"
)

func TestPreviewSeesNetworkChangesAtOnce(t *testing.T) {
	e := newEnv(t)
	d := e.preview(e.dispatcher, previewBody)
	assert.Equal(t, true, d["needs_dispatcher"])
	assert.Contains(t, d["reason"], "no eligible candidate")

	team, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	techID, _ := e.create("technicians", e.admin, technicianBody(team, 2))
	d = e.preview(e.dispatcher, previewBody)
	require.Equal(t, techID, chosenID(d), "the new technician is found: %v", d)
	assert.Equal(t, false, d["needs_dispatcher"])
	chosen := d["chosen"].(map[string]any)
	assert.Equal(t, CandidateTechnician, chosen["kind"])
	assert.Contains(t, chosen["why"], "cheapest total")
	assert.Equal(t, float64(8000), chosen["cost"].(map[string]any)["labour"])

	r := e.Do(http.MethodPost, "/api/v1/network/outlets/"+team+"/suspend", e.dispatcher, map[string]any{"version": 1, "reason": "audit"})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	d = e.preview(e.dispatcher, previewBody)
	assert.Equal(t, true, d["needs_dispatcher"], "a suspended outlet's technicians are skipped")
	assert.Equal(t, "no eligible candidate: 1 suspended", d["reason"])

	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/network/outlets/"+team+"/unsuspend", e.admin, map[string]any{"version": 2}).Code)
	assert.Equal(t, techID, chosenID(e.preview(e.admin, previewBody)))
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/network/technicians/"+techID+"/deactivate", e.admin,
		map[string]any{"version": 1, "reason": "sick"}).Code)
	assert.Equal(t, "no eligible candidate: 1 inactive", e.preview(e.admin, previewBody)["reason"])
}

func TestPreviewPrefersTheCheaperFartherOutletAndExplainsWhy(t *testing.T) {
	e := newEnv(t)
	nearID, _ := e.create("outlets", e.admin, outletBody("Near", KindOutsourced, 2, func(b map[string]any) { b["labour_rate"] = 20000 }))
	farID, _ := e.create("outlets", e.admin, outletBody("Far", KindOutsourced, 15))

	d := e.preview(e.dispatcher, previewBody)
	assert.Equal(t, farID, chosenID(d))
	top := d["top"].([]any)
	require.Len(t, top, 2)
	assert.Equal(t, nearID, top[1].(map[string]any)["id"])
	assert.Contains(t, top[1].(map[string]any)["why"], "more than "+farID)

	tight := map[string]any{}
	for k, v := range previewBody {
		tight[k] = v
	}
	tight["window"] = nil
	tight["resolve_by"] = "2026-03-02T09:20:00+08:00" // the clock is at 09:00 Shanghai
	d = e.preview(e.dispatcher, tight)
	assert.Equal(t, nearID, chosenID(d), "only the nearer outlet arrives before resolve-by")

	tight["exclude"] = []string{nearID}
	assert.Equal(t, farID, chosenID(e.preview(e.dispatcher, tight)), "a declined candidate is left out")
}

func TestPreviewRejectsBadJobs(t *testing.T) {
	e := newEnv(t)
	r := e.Do(http.MethodPost, "/api/v1/dispatch/preview", e.dispatcher, map[string]any{
		"brand": "Gree Co", "lat": 100, "priority": "asap",
		"window": map[string]any{"start": "tomorrow", "end": "2026-03-02T08:00:00+08:00"}})
	require.Equal(t, http.StatusBadRequest, r.Code, r.String())
	details := r.Map(t)["details"].(map[string]any)
	for _, f := range []string{"category", "brand", "lat", "lon", "priority", "window.start"} {
		assert.Contains(t, details, f)
	}
}

func TestAnotherProcessLearnsOfChangesThroughTheNetworkVersion(t *testing.T) {
	e := newEnv(t)
	other := newServiceOn(t, e.Env) // another server process on the same database
	ctx := context.Background()
	team, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	e.create("technicians", e.admin, technicianBody(team, 2))

	changed, err := other.RefreshIfChanged(ctx)
	require.NoError(t, err)
	assert.False(t, changed, "the version moves when the change's event is handled")
	assert.Equal(t, 0, other.Stats().Candidates)

	ran := e.RunDue()
	assert.Equal(t, 2, countOf(ran, TypeNetworkChanged), "%v", ran)
	changed, err = other.RefreshIfChanged(ctx)
	require.NoError(t, err)
	assert.True(t, changed)
	assert.Equal(t, 1, other.Stats().Candidates)
	assert.Equal(t, int64(2), other.Stats().NetworkVersion)
	changed, err = other.RefreshIfChanged(ctx)
	require.NoError(t, err)
	assert.False(t, changed, "nothing new")
}

func TestWatchRefreshesTheIndexWhenTheVersionMovesAndPeriodically(t *testing.T) {
	e := newEnv(t)
	other := newServiceOn(t, e.Env)
	check, full := make(chan time.Time), make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); other.watch(ctx, check, full) }()
	defer func() { cancel(); <-done }()

	team, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	e.create("technicians", e.admin, technicianBody(team, 2))
	check <- time.Time{}
	check <- time.Time{} // the second send returns once the first tick was handled
	assert.Equal(t, 0, other.Stats().Candidates, "the version has not moved yet")
	full <- time.Time{}
	check <- time.Time{}
	assert.Equal(t, 1, other.Stats().Candidates, "the periodic rebuild sees it anyway")

	techID, _ := e.create("technicians", e.admin, technicianBody(team, 3))
	e.RunDue()
	check <- time.Time{}
	check <- time.Time{}
	assert.Equal(t, 2, other.Stats().Candidates, "the moved version triggers a rebuild: %s", techID)
}

func TestCapacityCountsComeFromTheLoadBook(t *testing.T) {
	e := newEnv(t)
	team, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	techID, _ := e.create("technicians", e.admin, technicianBody(team, 2, func(b map[string]any) { b["daily_capacity"] = 2 }))
	day := DayOf(apitest.Start, shanghai(t))
	ctx := context.Background()

	require.NoError(t, e.svc.AddLoad(ctx, techID, day, 1))
	d := e.preview(e.dispatcher, previewBody)
	require.Equal(t, techID, chosenID(d))
	assert.Equal(t, float64(1500), d["chosen"].(map[string]any)["cost"].(map[string]any)["load"], "1 of 2 booked")

	require.NoError(t, e.svc.AddLoad(ctx, techID, day, 1))
	assert.Equal(t, "no eligible candidate: 1 fully booked that day", e.preview(e.dispatcher, previewBody)["reason"])
	require.NoError(t, newServiceOn(t, e.Env).Refresh(ctx))
	assert.Equal(t, 2, newServiceOn(t, e.Env).book.OpenJobs(techID, day), "counts are stored, not only in memory")
}

func TestReturnsGoToTheNearestWarehouseWithCapacityForTheCategory(t *testing.T) {
	e := newEnv(t)
	nearTV, _ := e.create("warehouses", e.admin, warehouseBody("Near TV", 5, "tv"))
	farTV, _ := e.create("warehouses", e.admin, warehouseBody("Far TV", 40, "tv", "ac"))
	e.create("warehouses", e.admin, warehouseBody("AC only", 1, "ac"))
	closed := warehouseBody("Closed", 0, "tv")
	closed["active"] = false
	e.create("warehouses", e.admin, closed)
	route := func(category string) (string, *apitest.Response) {
		r := e.Do(http.MethodGet, "/api/v1/dispatch/return-warehouse?category="+category+"&lat=31.2304&lon=121.4737", e.dispatcher, nil)
		if r.Code != http.StatusOK {
			return "", r
		}
		return r.Map(t)["warehouse_id"].(string), r
	}

	id, r := route("tv")
	assert.Equal(t, nearTV, id, r.String())
	require.NoError(t, e.svc.AddLoad(context.Background(), nearTV, DayOf(apitest.Start, shanghai(t)), 2))
	id, r = route("tv")
	assert.Equal(t, farTV, id, "the nearest is full today: %s", r.String())

	_, r = route("fridge")
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Equal(t, "no warehouse can receive a return of category 'fridge': 3 do not handle it, 1 inactive", r.Map(t)["message"])
	assert.Equal(t, http.StatusBadRequest, e.Do(http.MethodGet, "/api/v1/dispatch/return-warehouse?category=tv", e.dispatcher, nil).Code)
}

func countOf(list []string, v string) int {
	n := 0
	for _, s := range list {
		if s == v {
			n++
		}
	}
	return n
}
