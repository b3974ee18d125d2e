package orders_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/orders"
)

func TestCreateByHandStoresUnitSiteAndProductAndDispatches(t *testing.T) {
	e := newEnv(t)
	a := e.outlet("a", 1)
	var v orders.ServiceOrderView
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/service-orders", e.agent.tok(), map[string]any{
		"type": "installation", "customer_id": e.customer, "serial": "sn-ac-1", "priority": "urgent",
		"site":        map[string]any{"address": "9 Office Park", "city": "Shanghai", "lat": homeLat + 0.01, "lon": homeLon},
		"appointment": map[string]any{"start": "2026-03-02T14:00:00+08:00", "end": "2026-03-02T18:00:00+08:00"},
		"resolve_by":  "2026-03-03T18:00:00+08:00", "notes": "bring a ladder"})).JSON(t, &v)
	assert.Equal(t, orders.StatusCreated, v.Status)
	assert.Equal(t, acSerial, v.Unit.Serial, "serials are normalised")
	assert.True(t, v.Unit.InWarranty)
	assert.Equal(t, []string{"ac_repair"}, v.Skills, "skills come from the product")
	assert.Equal(t, "9 Office Park", v.Site.Address)
	assert.Equal(t, "13812345678", v.Customer.Phone, "agents see the full phone")

	e.RunDue()
	o := e.get(v.ID)
	assert.Equal(t, a, offeredTo(o))
	assert.Equal(t, dispatch.PriorityUrgent, o.Priority)
	windowStart := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	assert.WithinRange(t, o.Decision.Chosen.ETA, windowStart, windowStart.Add(5*time.Minute),
		"the engine plans the visit in the appointment window")
}

func TestCreateWithBadFieldsAnswers400WithDetailsAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		body   any
		fields map[string]string
	}{
		{"empty", map[string]any{}, map[string]string{"type": "is required", "customer_id": "is required", "serial": "is required"}},
		{"bad values", map[string]any{"type": "cleaning", "customer_id": e.customer, "serial": acSerial, "priority": "asap",
			"appointment": map[string]any{"start": "2026-03-02T18:00:00+08:00", "end": "2026-03-02T14:00:00+08:00"},
			"site":        map[string]any{"address": "", "lat": 91}, "address_id": "A1", "resolve_by": "tomorrow"},
			map[string]string{"type": "must be one of: repair, installation, maintenance, inspection",
				"priority": "must be one of: normal, urgent", "appointment.end": "must be after appointment.start",
				"site": "give site or address_id, not both", "site.address": "is required", "site.lat": "must be between -90 and 90",
				"site.lon": "is required", "resolve_by": "must be an RFC 3339 time such as 2026-03-02T09:00:00+08:00"}},
		{"wrong type", `{"type": 5}`, map[string]string{"type": "must be a string"}},
		{"unknown field", `{"status": "closed"}`, map[string]string{"status": "unknown field"}},
		{"unknown customer", map[string]any{"type": "repair", "customer_id": "CUS-NOPE", "serial": acSerial},
			map[string]string{"customer_id": "no such customer"}},
		{"another customer's unit", map[string]any{"type": "repair", "customer_id": e.customer, "serial": otherSerial},
			map[string]string{"serial": "is not registered to this customer"}},
		{"unknown unit and address, past deadline", map[string]any{"type": "repair", "customer_id": e.customer,
			"serial": "SN-NOPE", "address_id": "nope", "resolve_by": "2026-03-01T00:00:00Z",
			"appointment": map[string]any{"start": "2026-03-01T08:00:00+08:00", "end": "2026-03-01T09:00:00+08:00"}},
			map[string]string{"serial": "no such unit", "address_id": "is not an address of this customer",
				"resolve_by": "must be in the future", "appointment.end": "must be in the future"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, "/api/v1/service-orders", e.agent.tok(), tc.body)
			require.Equal(t, http.StatusBadRequest, r.Code, r.String())
			assert.Equal(t, tc.fields, detailsOf(t, r))
			assert.Zero(t, e.Count(orders.ServiceOrdersCollection), "nothing written")
		})
	}
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, "/api/v1/service-orders", e.As("finance"),
		map[string]any{"type": "repair", "customer_id": e.customer, "serial": acSerial}).Code)
}
