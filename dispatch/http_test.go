package dispatch

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

func TestNetworkMembersAreCreatedReadListedAndChangedWithHistory(t *testing.T) {
	e := newEnv(t)
	outID, _ := e.create("outlets", e.dispatcher, outletBody("Partner A", KindOutsourced, 3))
	e.create("outlets", e.admin, outletBody("Partner B", KindOutsourced, 5, func(b map[string]any) {
		b["categories"] = []string{"tv", "washer"}
	}))

	r := e.Do(http.MethodGet, "/api/v1/network/outlets/"+outID, e.admin, nil)
	require.Equal(t, http.StatusOK, r.Code, r.String())
	o := r.Map(t)
	assert.Equal(t, true, o["webhook_configured"])
	assert.NotContains(t, r.String(), "a-secret-of-enough-length", "the webhook secret is write-only")
	assert.NotContains(t, r.String(), "webhook_secret")
	assert.Equal(t, float64(80), o["quality_score"], "default scorecard")
	assert.Equal(t, []any{"08:00", "20:00"}, o["working_hours"].(map[string]any)["sun"], "default hours")
	assert.Len(t, o["history"], 1)

	list := e.Do(http.MethodGet, "/api/v1/network/outlets?category=washer", e.admin, nil).Map(t)
	require.Len(t, list["items"], 1, "filter on one element of the categories array")
	assert.Equal(t, "Partner B", list["items"].([]any)[0].(map[string]any)["name"])
	assert.Nil(t, list["items"].([]any)[0].(map[string]any)["history"], "lists leave the history out")
	page := e.Do(http.MethodGet, "/api/v1/network/outlets?limit=1", e.admin, nil).Map(t)
	assert.Len(t, page["items"], 1)
	assert.NotEmpty(t, page["next_cursor"])

	r = e.Do(http.MethodPatch, "/api/v1/network/outlets/"+outID, e.dispatcher,
		map[string]any{"version": 1, "labour_rate": 9000, "brands": []string{"gree", "midea"}})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	o = r.Map(t)
	assert.Equal(t, float64(2), o["version"])
	assert.Equal(t, float64(9000), o["labour_rate"])
	history := o["history"].([]any)
	assert.Equal(t, "changed: brands, labour_rate", history[1].(map[string]any)["note"])

	r = e.Do(http.MethodPatch, "/api/v1/network/outlets/"+outID, e.dispatcher, map[string]any{"version": 1, "name": "Late"})
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Equal(t, string(apperr.CodeVersionConflict), r.Map(t)["code"])
	r = e.Do(http.MethodPatch, "/api/v1/network/outlets/"+outID, e.dispatcher, map[string]any{"version": 2})
	assert.Equal(t, http.StatusBadRequest, r.Code, "a patch that changes nothing")
}

func TestWarehousesAndTechniciansThroughHTTP(t *testing.T) {
	e := newEnv(t)
	whID, _ := e.create("warehouses", e.admin, warehouseBody("East depot", 10, "tv", "ac"))
	r := e.Do(http.MethodPatch, "/api/v1/network/warehouses/"+whID, e.admin,
		map[string]any{"version": 1, "webhook_url": "https://wms.example.com/in", "webhook_secret": "0123456789abcdef"})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	assert.Equal(t, true, r.Map(t)["webhook_configured"])
	assert.Len(t, e.Do(http.MethodGet, "/api/v1/network/warehouses?category=tv&active=true", e.admin, nil).Map(t)["items"], 1)
	assert.Len(t, e.Do(http.MethodGet, "/api/v1/network/warehouses?active=false", e.admin, nil).Map(t)["items"], 0)

	team, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	partner, _ := e.create("outlets", e.admin, outletBody("Partner", KindOutsourced, 0))
	techID, _ := e.create("technicians", e.admin, technicianBody(team, 1))
	tech := e.Do(http.MethodGet, "/api/v1/network/technicians/"+techID, e.dispatcher, nil).Map(t)
	assert.Equal(t, true, tech["in_house"])
	assert.Equal(t, true, tech["active"])

	r = e.Do(http.MethodPatch, "/api/v1/network/technicians/"+techID, e.admin, map[string]any{"version": 1, "outlet_id": partner})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	assert.Equal(t, false, r.Map(t)["in_house"], "moving to an outsourced outlet")
	assert.Len(t, e.Do(http.MethodGet, "/api/v1/network/technicians?outlet_id="+partner+"&skill=ac_repair", e.admin, nil).Map(t)["items"], 1)
	assert.Len(t, e.Do(http.MethodGet, "/api/v1/network/technicians?skill=tv_repair", e.admin, nil).Map(t)["items"], 0)
}

func TestCreatingWithBadFieldsAnswers400WithDetailsAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	team, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	for _, tc := range []struct {
		name, path, coll string
		body             any
		fields           []string
	}{
		{"outlet: empty", "outlets", OutletsCollection, map[string]any{},
			[]string{"name", "kind", "address", "lat", "lon", "service_radius_km", "categories", "brands", "capacity_per_day", "labour_rate", "travel_rate_per_km"}},
		{"outlet: bad values", "outlets", OutletsCollection, outletBody("X", "franchise", 0, func(b map[string]any) {
			b["lat"], b["service_radius_km"], b["brands"] = 91, 0, []string{"Gree Co."}
			b["working_hours"] = map[string]any{"mon": []string{"20:00", "08:00"}, "funday": []string{"08:00", "09:00"}}
			b["webhook_secret"], b["time_zone"], b["quality_score"] = "short", "Mars/Olympus", 101
		}), []string{"kind", "lat", "service_radius_km", "brands[0]", "working_hours.mon", "working_hours.funday", "webhook_secret", "time_zone", "quality_score"}},
		{"outlet: wrong type", "outlets", OutletsCollection, `{"name": 5}`, []string{"name"}},
		{"outlet: unknown field", "outlets", OutletsCollection, `{"suspended": true}`, []string{"suspended"}},
		{"technician: empty", "technicians", TechniciansCollection, map[string]any{},
			[]string{"outlet_id", "name", "phone", "skills", "lat", "lon", "daily_capacity"}},
		{"technician: unknown outlet", "technicians", TechniciansCollection, technicianBody("OUT-NOPE", 1), []string{"outlet_id"}},
		{"technician: bad values", "technicians", TechniciansCollection, technicianBody(team, 1, func(b map[string]any) {
			b["phone"], b["daily_capacity"], b["skills"], b["service_radius_km"] = "call me", 0, []string{}, -1
		}), []string{"phone", "daily_capacity", "skills", "service_radius_km"}},
		{"warehouse: empty", "warehouses", WarehousesCollection, map[string]any{},
			[]string{"name", "address", "lat", "lon", "categories", "receiving_capacity"}},
		{"warehouse: webhook without secret", "warehouses", WarehousesCollection, func() any {
			b := warehouseBody("W", 0, "tv")
			b["webhook_url"] = "ftp://wms.example.com"
			return b
		}(), []string{"webhook_url", "webhook_secret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Count(tc.coll)
			r := e.Do(http.MethodPost, "/api/v1/network/"+tc.path, e.admin, tc.body)
			require.Equal(t, http.StatusBadRequest, r.Code, r.String())
			body := r.Map(t)
			assert.Equal(t, string(apperr.CodeValidation), body["code"])
			details, _ := body["details"].(map[string]any)
			for _, f := range tc.fields {
				assert.Contains(t, details, f)
			}
			assert.Len(t, details, len(tc.fields), "%v", details)
			assert.Equal(t, before, e.Count(tc.coll), "nothing written")
		})
	}
}

func TestOutletManagerSeesAndEditsOnlyTheirOwnOutlet(t *testing.T) {
	e := newEnv(t)
	mine, _ := e.create("outlets", e.admin, outletBody("Mine", KindOutsourced, 0))
	other, _ := e.create("outlets", e.admin, outletBody("Other", KindOutsourced, 0))
	myTech, _ := e.create("technicians", e.admin, technicianBody(mine, 1))
	otherTech, _ := e.create("technicians", e.admin, technicianBody(other, 1))
	manager, _ := e.User(auth.CreateUserInput{Role: auth.RoleOutlet, OutletID: mine})

	assert.Equal(t, http.StatusOK, e.Do(http.MethodGet, "/api/v1/network/outlets/"+mine, manager, nil).Code)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/network/outlets/"+other, manager, nil).Code)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/network/technicians/"+otherTech, manager, nil).Code)
	outlets := e.Do(http.MethodGet, "/api/v1/network/outlets", manager, nil).Map(t)["items"].([]any)
	require.Len(t, outlets, 1)
	assert.Equal(t, mine, outlets[0].(map[string]any)["id"])
	paged := e.Do(http.MethodGet, "/api/v1/network/outlets?limit=5&cursor="+httpx.EncodeCursor("OUT-0"), manager, nil).Map(t)["items"].([]any)
	assert.Len(t, paged, 1, "paging keeps the manager to their outlet")
	assert.Len(t, e.Do(http.MethodGet, "/api/v1/network/technicians", manager, nil).Map(t)["items"], 1)
	techs := e.Do(http.MethodGet, "/api/v1/network/technicians?outlet_id="+other, manager, nil).Map(t)["items"].([]any)
	assert.Empty(t, techs, "asking for another outlet's technicians shows none")

	r := e.Do(http.MethodPatch, "/api/v1/network/technicians/"+myTech, manager,
		map[string]any{"version": 1, "skills": []string{"ac_repair", "ac_install"}, "working_hours": map[string]any{"mon": []string{"09:00", "17:00"}}})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	assert.Equal(t, []any{"ac_repair", "ac_install"}, r.Map(t)["skills"])
	r = e.Do(http.MethodPost, "/api/v1/network/technicians/"+myTech+"/deactivate", manager, map[string]any{"version": 2, "reason": "on leave"})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	assert.Equal(t, "on leave", r.Map(t)["inactive_reason"])

	for _, tc := range []struct {
		method, path string
		body         any
		code         int
	}{
		{http.MethodPatch, "/api/v1/network/technicians/" + myTech, map[string]any{"version": 3, "name": "Renamed"}, http.StatusForbidden},
		{http.MethodPatch, "/api/v1/network/technicians/" + otherTech, map[string]any{"version": 1, "skills": []string{"x"}}, http.StatusNotFound},
		{http.MethodPost, "/api/v1/network/technicians/" + otherTech + "/deactivate", map[string]any{"version": 1, "reason": "x"}, http.StatusNotFound},
		{http.MethodPatch, "/api/v1/network/outlets/" + mine, map[string]any{"version": 1, "name": "Mine!"}, http.StatusForbidden},
		{http.MethodPost, "/api/v1/network/outlets/" + mine + "/suspend", map[string]any{"version": 1, "reason": "x"}, http.StatusForbidden},
		{http.MethodPost, "/api/v1/network/technicians", technicianBody(mine, 1), http.StatusForbidden},
		{http.MethodGet, "/api/v1/network/warehouses", nil, http.StatusForbidden},
		{http.MethodPost, "/api/v1/dispatch/preview", previewBody, http.StatusForbidden},
	} {
		assert.Equal(t, tc.code, e.Do(tc.method, tc.path, manager, tc.body).Code, "%s %s", tc.method, tc.path)
	}
	assert.Equal(t, "Wang Wei", e.Do(http.MethodGet, "/api/v1/network/technicians/"+myTech, e.admin, nil).Map(t)["name"])
	assert.Equal(t, int64(2), e.Count(TechniciansCollection))
}

func TestTechnicianAndOtherRolesAreRefused(t *testing.T) {
	e := newEnv(t)
	outID, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	techID, _ := e.create("technicians", e.admin, technicianBody(outID, 1))
	techToken, _ := e.User(auth.CreateUserInput{Role: auth.RoleTechnician, TechnicianID: techID, OutletID: outID})
	agent, finance := e.As(auth.RoleAgent), e.As(auth.RoleFinance)
	paths := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/api/v1/network/outlets", nil},
		{http.MethodGet, "/api/v1/network/technicians/" + techID, nil},
		{http.MethodPatch, "/api/v1/network/technicians/" + techID, map[string]any{"version": 1, "skills": []string{"x"}}},
		{http.MethodPost, "/api/v1/network/technicians/" + techID + "/deactivate", map[string]any{"version": 1, "reason": "x"}},
		{http.MethodPost, "/api/v1/dispatch/preview", previewBody},
	}
	for _, p := range paths {
		assert.Equal(t, http.StatusUnauthorized, e.Do(p.method, p.path, techToken, p.body).Code,
			"a technician's mobile token is not a staff token: %s %s", p.method, p.path)
		assert.Equal(t, http.StatusForbidden, e.Do(p.method, p.path, agent, p.body).Code, "agent: %s %s", p.method, p.path)
		assert.Equal(t, http.StatusForbidden, e.Do(p.method, p.path, finance, p.body).Code, "finance: %s %s", p.method, p.path)
	}
	assert.Equal(t, float64(1), e.Do(http.MethodGet, "/api/v1/network/technicians/"+techID, e.admin, nil).Map(t)["version"])
}

func TestConcurrentSuspensionsOfOneVersionHaveExactlyOneWinner(t *testing.T) {
	e := newEnv(t)
	outID, _ := e.create("outlets", e.admin, outletBody("Partner", KindOutsourced, 0))
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.Do(http.MethodPost, "/api/v1/network/outlets/"+outID+"/suspend", e.dispatcher,
				map[string]any{"version": 1, "reason": "quality audit"}).Code
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		if c == http.StatusOK {
			won++
		} else {
			assert.Equal(t, http.StatusConflict, c)
		}
	}
	assert.Equal(t, 1, won, "%v", codes)
	o := e.Do(http.MethodGet, "/api/v1/network/outlets/"+outID, e.admin, nil).Map(t)
	assert.Equal(t, float64(2), o["version"])
	assert.Len(t, o["history"], 2)
}

func TestOutletSuspensionFollowsItsTransitions(t *testing.T) {
	e := newEnv(t)
	outID, _ := e.create("outlets", e.admin, outletBody("Partner", KindOutsourced, 0))
	path := "/api/v1/network/outlets/" + outID

	r := e.Do(http.MethodPost, path+"/suspend", e.dispatcher, map[string]any{"version": 1})
	assert.Equal(t, http.StatusBadRequest, r.Code)
	assert.Contains(t, r.Map(t)["details"], "reason")
	r = e.Do(http.MethodPost, path+"/unsuspend", e.dispatcher, map[string]any{"version": 1})
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Equal(t, "outlet is already active", r.Map(t)["message"])

	r = e.Do(http.MethodPost, path+"/suspend", e.dispatcher, map[string]any{"version": 1, "reason": "quality audit"})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	o := r.Map(t)
	assert.Equal(t, true, o["suspended"])
	assert.Equal(t, "quality audit", o["suspended_reason"])
	last := o["history"].([]any)[1].(map[string]any)
	assert.Equal(t, map[string]any{"action": "suspend", "from": "active", "to": "suspended", "note": "quality audit"},
		map[string]any{"action": last["action"], "from": last["from"], "to": last["to"], "note": last["note"]})
	assert.Equal(t, http.StatusConflict, e.Do(http.MethodPost, path+"/suspend", e.dispatcher, map[string]any{"version": 2, "reason": "again"}).Code)

	r = e.Do(http.MethodPost, path+"/unsuspend", e.admin, map[string]any{"version": 2})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	assert.Equal(t, false, r.Map(t)["suspended"])
	assert.Nil(t, r.Map(t)["suspended_reason"])
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, "/api/v1/network/outlets/OUT-NOPE/suspend", e.admin,
		map[string]any{"version": 1, "reason": "x"}).Code)
}

func TestARestartedProcessBuildsItsIndexFromTheStore(t *testing.T) {
	e := newEnv(t)
	team, _ := e.create("outlets", e.admin, outletBody("Team", KindInHouse, 0))
	e.create("technicians", e.admin, technicianBody(team, 1))
	restarted := newServiceOn(t, e.Env)
	st := restarted.Stats()
	assert.Equal(t, []int{1, 1, 1}, []int{st.Outlets, st.Technicians, st.Candidates})
}
