package registry_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

func TestProductIsUpsertedBySKUWithItsVersion(t *testing.T) {
	e := newEnv(t)
	supervisor := e.As(auth.RoleSupervisor)
	in := registry.ProductInput{SKU: "wm-8kg", Name: "Washer 8 kg", Brand: "Acme", Category: " Washing-Machine ",
		WarrantyMonths: ptr(24), SkillsNeeded: []string{"Plumbing", "electrical", "plumbing"}, ReturnWindowDays: ptr(15)}

	r := e.Do(http.MethodPost, "/api/v1/products", supervisor, in)
	require.Equal(t, http.StatusCreated, r.Code, r.String())
	var p registry.ProductView
	r.JSON(t, &p)
	assert.Equal(t, "WM-8KG", p.SKU)
	assert.Equal(t, "washing_machine", p.Category)
	assert.Equal(t, []string{"plumbing", "electrical"}, p.SkillsNeeded)
	assert.Equal(t, int64(1), p.Version)

	r = e.Do(http.MethodPost, "/api/v1/products", supervisor, in)
	assert.Equal(t, http.StatusConflict, r.Code, "creating an existing SKU: "+r.String())

	in.Version, in.WarrantyMonths, in.ReturnWindowDays = p.Version, ptr(36), nil
	r = e.Do(http.MethodPost, "/api/v1/products", supervisor, in)
	require.Equal(t, http.StatusOK, r.Code, r.String())
	p = registry.ProductView{}
	r.JSON(t, &p)
	assert.Equal(t, 36, p.WarrantyMonths)
	assert.Equal(t, 0, p.ReturnWindowDays, "an absent override goes back to the default window")
	assert.Equal(t, int64(2), p.Version)

	r = e.Do(http.MethodPost, "/api/v1/products", supervisor, in)
	assert.Equal(t, apperr.CodeVersionConflict, errorBody(t, r).Code, "a stale version")
	in.SKU = "NOPE-1"
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, "/api/v1/products", supervisor, in).Code)

	got, err := e.svc.Product(t.Context(), "wm-8kg")
	require.NoError(t, err)
	assert.Equal(t, 36, got.WarrantyMonths)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, "/api/v1/products", e.agent, in).Code)
}

func TestProductChangeDoesNotRewriteSoldWarranties(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	e.importOrder(order("TM-1", cus.ID, line(1, sku, delivered, "SN-1")), http.StatusCreated)
	before := e.unit("SN-1").WarrantyEnd

	in := registry.ProductInput{SKU: sku, Name: "Renamed", Brand: "Acme", Category: "air_conditioner", WarrantyMonths: ptr(36), Version: 1}
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/products", e.admin, in).Code)
	assert.Equal(t, before, e.unit("SN-1").WarrantyEnd)
}

func TestProductRejectsBadInputAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		body   any
		fields []string
	}{
		{"warranty over 120 months", registry.ProductInput{SKU: "A1", Name: "A", Brand: "B", Category: "phone", WarrantyMonths: ptr(121)},
			[]string{"warranty_months"}},
		{"missing warranty and bad sku", registry.ProductInput{SKU: "a b", Name: "A", Brand: "B", Category: "phone"},
			[]string{"sku", "warranty_months"}},
		{"return window and skill", registry.ProductInput{SKU: "A1", Name: "A", Brand: "B", Category: "phone", WarrantyMonths: ptr(12),
			ReturnWindowDays: ptr(0), SkillsNeeded: []string{"ok", "!"}}, []string{"return_window_days", "skills_needed[1]"}},
		{"empty object", `{}`, []string{"sku", "name", "brand", "category", "warranty_months"}},
		{"wrong type", `{"sku":"A1","warranty_months":"12"}`, []string{"warranty_months"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, "/api/v1/products", e.admin, tc.body)
			require.Equal(t, http.StatusBadRequest, r.Code, r.String())
			assert.ElementsMatch(t, tc.fields, keys(errorBody(t, r).Details))
		})
	}
	assert.Equal(t, int64(0), e.Count(registry.ProductsCollection))
}

func TestListProductsByCategory(t *testing.T) {
	e := newEnv(t)
	e.product("AC-1", 12)
	e.product("AC-2", 12)
	phone := registry.ProductInput{SKU: "PH-1", Name: "Phone", Brand: "Acme", Category: "phone", WarrantyMonths: ptr(12)}
	require.Equal(t, http.StatusCreated, e.Do(http.MethodPost, "/api/v1/products", e.admin, phone).Code)
	outlet, _ := e.User(auth.CreateUserInput{Role: auth.RoleOutlet, OutletID: "OUT-1"})

	r := e.Do(http.MethodGet, "/api/v1/products?category=Air+Conditioner", outlet, nil)
	require.Equal(t, http.StatusOK, r.Code, r.String())
	var page registry.ProductList
	r.JSON(t, &page)
	var skus []string
	for _, p := range page.Items {
		skus = append(skus, p.SKU)
	}
	assert.Equal(t, []string{"AC-1", "AC-2"}, skus)
	assert.Equal(t, http.StatusOK, e.Do(http.MethodGet, "/api/v1/products/ph-1", outlet, nil).Code)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/products/NOPE-1", outlet, nil).Code)
}
