package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
)

func TestPartsSeesTheNetworkAndOrdersThroughItsAdapters(t *testing.T) {
	app, admin := running(t)
	ctx := context.Background()
	wh := admin.must(http.StatusCreated, http.MethodPost, "/api/v1/network/warehouses", map[string]any{
		"name": "Pudong DC", "address": "9 Depot Road", "lat": 31.2, "lon": 121.5, "categories": []string{"air_conditioner"},
		"receiving_capacity": 20})["id"].(string)
	out := admin.must(http.StatusCreated, http.MethodPost, "/api/v1/network/outlets", map[string]any{
		"name": "Xuhui Repairs", "kind": "in_house", "address": "1 Test Road", "lat": 31.19, "lon": 121.43,
		"service_radius_km": 30, "categories": []string{"air_conditioner"}, "brands": []string{"*"}, "skills": []string{"ac_repair"},
		"capacity_per_day": 10, "labour_rate": 8000, "travel_rate_per_km": 200})["id"].(string)
	tec := admin.must(http.StatusCreated, http.MethodPost, "/api/v1/network/technicians", map[string]any{
		"outlet_id": out, "name": "王伟", "phone": "13900139000", "skills": []string{"ac_repair"},
		"lat": 31.19, "lon": 121.43, "daily_capacity": 4})["id"].(string)

	net := partsLocations{net: app.dispatch}
	for _, c := range []struct {
		kind, id string
		want     bool
	}{{"warehouse", wh, true}, {"outlet", out, true}, {"van", tec, true},
		{"warehouse", "WH-none", false}, {"van", "TEC-none", false}, {"moon", wh, false}} {
		got, err := net.Exists(ctx, c.kind, c.id)
		require.NoError(t, err, "%s %s", c.kind, c.id)
		assert.Equal(t, c.want, got, "%s %s", c.kind, c.id)
	}
	outlet, err := net.OutletOf(ctx, tec)
	require.NoError(t, err)
	assert.Equal(t, out, outlet)

	_, err = partsOrders{orders: app.orders, quotes: app.fees}.OrderForParts(ctx, "SO-none")
	assert.ErrorIs(t, err, apperr.ErrNotFound)
}
