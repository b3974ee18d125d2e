package registry_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

func TestMaskPhoneHidesTheMiddleDigits(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":    "138****5678",
		"+4915112345678": "+49****5678",
		"02161234567":    "021****4567",
		"61234567":       "****4567",
		"123456":         "****56",
		"":               "",
	} {
		assert.Equal(t, want, registry.MaskPhone(in), in)
	}
}

func TestOnlyFrontOfficeRolesSeeFullPhones(t *testing.T) {
	want := map[string]bool{auth.RoleAgent: true, auth.RoleSupervisor: true, auth.RoleDispatcher: true, auth.RoleAdmin: true}
	for _, role := range auth.Roles() {
		assert.Equal(t, want[role], registry.CanSeePhone(role), role)
	}
	assert.False(t, registry.CanSeePhone(""))
}

func TestNormalizePhoneMakesOneFormPerNumber(t *testing.T) {
	for in, want := range map[string]string{
		"+86 138-1234-5678": "13812345678",
		"0086 13812345678":  "13812345678",
		"(021) 6123 4567":   "02161234567",
		"+44 20 7946 0958":  "+442079460958",
	} {
		assert.Equal(t, want, registry.NormalizePhone(in), in)
	}
}

func TestWarrantyEndAddsCalendarMonths(t *testing.T) {
	at := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 8, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		from   time.Time
		months int
		want   time.Time
	}{
		{at(2025, 3, 15), 12, at(2026, 3, 15)},
		{at(2025, 1, 31), 1, at(2025, 3, 3)},
		{at(2024, 1, 31), 1, at(2024, 3, 2)},
		{at(2024, 2, 29), 12, at(2025, 3, 1)},
		{at(2025, 8, 31), 6, at(2026, 3, 3)},
		{at(2025, 5, 1), 0, at(2025, 5, 1)},
	} {
		assert.Equal(t, tc.want, registry.WarrantyEnd(tc.from, tc.months), "%s + %d months", tc.from, tc.months)
	}
}

func TestLookupsForOtherDomains(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	so := e.importOrder(order("TM-1", cus.ID, line(1, sku, delivered, "SN-1"), line(2, sku, "")), http.StatusCreated)

	c, err := e.svc.Customer(ctx, cus.ID)
	require.NoError(t, err)
	assert.Equal(t, "13812345678", c.Phone, "lookups return the full phone; callers mask by role")
	home, ok := c.DefaultAddress()
	require.True(t, ok)
	assert.InDelta(t, 31.2397, home.Lat, 1e-9)

	u, err := e.svc.Unit(ctx, "sn-1")
	require.NoError(t, err)
	assert.Equal(t, registry.Unit{Serial: "SN-1", SKU: "AC-100", ProductName: "Product AC-100", Category: "air_conditioner",
		CustomerID: cus.ID, SalesOrderID: so.ID, LineNo: 1, PurchasedAt: time.Date(2025, 1, 22, 7, 30, 0, 0, time.UTC),
		WarrantyEnd: time.Date(2026, 1, 22, 7, 30, 0, 0, time.UTC)}, u)

	o, err := e.svc.SalesOrder(ctx, so.ID)
	require.NoError(t, err)
	assert.Equal(t, "TM-1", o.ShopOrderNo)
	l1, _ := o.Line(1)
	l2, _ := o.Line(2)
	assert.NotNil(t, l1.DeliveredAt)
	assert.Nil(t, l2.DeliveredAt)
	assert.Equal(t, int64(299900), l2.UnitPrice)

	p, err := e.svc.Product(ctx, "ac-100")
	require.NoError(t, err)
	assert.Equal(t, []string{"hvac"}, p.SkillsNeeded)

	for name, err := range map[string]error{
		"customer":    second(e.svc.Customer(ctx, "CUS-NOPE")),
		"unit":        second(e.svc.Unit(ctx, "SN-NOPE")),
		"sales order": second(e.svc.SalesOrder(ctx, "SAL-NOPE")),
		"product":     second(e.svc.Product(ctx, "NOPE-1")),
	} {
		assert.True(t, errors.Is(err, apperr.ErrNotFound), "%s: %v", name, err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestEveryRouteIsDocumented(t *testing.T) {
	e := newEnv(t)
	doc, err := json.Marshal(e.Spec.Document())
	require.NoError(t, err)
	for _, path := range []string{"/api/v1/customers/{id}", "/api/v1/products/{sku}", "/api/v1/sales-orders/bulk",
		"/api/v1/sales-orders/{id}/deliveries", "/api/v1/units/{serial}"} {
		assert.Contains(t, string(doc), `"`+path+`"`)
	}
}
