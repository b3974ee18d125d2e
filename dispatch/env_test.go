package dispatch

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
)

// env is the dispatch service wired into the HTTP test harness, as cmd/server wires it.
type env struct {
	*apitest.Env
	svc        *Service
	admin      string
	dispatcher string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	a := apitest.New(t)
	svc := newServiceOn(t, a)
	svc.Register(a.Mux)
	a.Watch(Collections()...)
	NewHandler(svc).Routes(a.API)
	return &env{Env: a, svc: svc, admin: a.As(auth.RoleAdmin), dispatcher: a.As(auth.RoleDispatcher)}
}

// newServiceOn builds a service over the harness's database: a second one stands for
// another server process.
func newServiceOn(t *testing.T, a *apitest.Env) *Service {
	t.Helper()
	svc, err := NewService(Deps{DB: a.DB, Clock: a.Clock, Log: a.Log})
	require.NoError(t, err)
	require.NoError(t, svc.EnsureIndexes(context.Background()))
	require.NoError(t, svc.Refresh(context.Background()))
	return svc
}

// People's Square, Shanghai, and points north of it.
func near(km float64) (float64, float64) { return north(km) }

func outletBody(name, kind string, km float64, mods ...func(map[string]any)) map[string]any {
	lat, lon := near(km)
	b := map[string]any{"name": name, "kind": kind, "address": "1 Test Road, Shanghai", "lat": lat, "lon": lon,
		"service_radius_km": 30, "categories": []string{"ac"}, "brands": []string{"gree"}, "skills": []string{"ac_repair"},
		"capacity_per_day": 10, "labour_rate": 8000, "travel_rate_per_km": 200,
		"webhook_url": "https://outlet.example.com/hooks", "webhook_secret": "a-secret-of-enough-length"}
	for _, m := range mods {
		m(b)
	}
	return b
}

func technicianBody(outletID string, km float64, mods ...func(map[string]any)) map[string]any {
	lat, lon := near(km)
	b := map[string]any{"outlet_id": outletID, "name": "Wang Wei", "phone": "13800138000", "skills": []string{"ac_repair"},
		"lat": lat, "lon": lon, "daily_capacity": 4}
	for _, m := range mods {
		m(b)
	}
	return b
}

func warehouseBody(name string, km float64, categories ...string) map[string]any {
	lat, lon := near(km)
	return map[string]any{"name": name, "address": "9 Depot Road", "lat": lat, "lon": lon,
		"categories": categories, "receiving_capacity": 2}
}

var previewBody = map[string]any{"category": "ac", "brand": "gree", "skills": []string{"ac_repair"},
	"lat": jobLat, "lon": jobLon,
	"window": map[string]any{"start": "2026-03-02T10:00:00+08:00", "end": "2026-03-02T12:00:00+08:00"}}

// create posts body to path and returns the created object's id and version.
func (e *env) create(path, token string, body any) (string, float64) {
	e.T.Helper()
	r := e.Do(http.MethodPost, "/api/v1/network/"+path, token, body)
	require.Equal(e.T, http.StatusCreated, r.Code, r.String())
	m := r.Map(e.T)
	return m["id"].(string), m["version"].(float64)
}

func (e *env) preview(token string, body any) map[string]any {
	e.T.Helper()
	r := e.Do(http.MethodPost, "/api/v1/dispatch/preview", token, body)
	require.Equal(e.T, http.StatusOK, r.Code, r.String())
	return r.Map(e.T)
}

func chosenID(d map[string]any) string {
	c, _ := d["chosen"].(map[string]any)
	id, _ := c["id"].(string)
	return id
}
