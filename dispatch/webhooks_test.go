package dispatch

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/webhook"
)

func TestEndpointReadsTheCurrentWebhookOfAnOutletOrWarehouse(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	outlet, version := e.create("outlets", e.admin, outletBody("Xuhui Repairs", "outsourced", 3))
	wh, _ := e.create("warehouses", e.admin, warehouseBody("Pudong DC", 5, "ac"))

	ep, ok, err := e.svc.Endpoint(ctx, webhook.Target{Kind: TargetOutlet, ID: outlet})
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, webhook.Endpoint{URL: "https://outlet.example.com/hooks", Secret: "a-secret-of-enough-length"}, ep)

	r := e.Do(http.MethodPatch, "/api/v1/network/outlets/"+outlet, e.admin,
		map[string]any{"version": version, "webhook_secret": "a-rotated-secret-of-enough-length"})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	ep, _, err = e.svc.Endpoint(ctx, webhook.Target{Kind: TargetOutlet, ID: outlet})
	require.NoError(t, err)
	assert.Equal(t, "a-rotated-secret-of-enough-length", ep.Secret, "queued deliveries sign with the rotated secret")

	for _, target := range []webhook.Target{{Kind: TargetWarehouse, ID: wh}, {Kind: TargetOutlet, ID: "OUT-missing"}, {Kind: "bank", ID: "x"}} {
		_, ok, err = e.svc.Endpoint(ctx, target)
		assert.NoError(t, err, "%v", target)
		assert.False(t, ok, "%v has no webhook", target)
	}
}
