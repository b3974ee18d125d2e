package registry_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/registry"
)

// env is one test's system with the registry wired in as cmd/server wires it.
type env struct {
	*apitest.Env
	t     *testing.T
	svc   *registry.Service
	agent string // tokens
	admin string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := apitest.New(t)
	svc, err := registry.NewService(registry.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	require.NoError(t, svc.EnsureIndexes(context.Background()))
	require.NoError(t, svc.EnsureIndexes(context.Background()), "ensuring indexes again at the next start is a no-op")
	svc.Register(e.Mux)
	e.Watch(registry.Collections()...)
	registry.NewHandler(svc).Routes(e.API)
	return &env{Env: e, t: t, svc: svc, agent: e.As(auth.RoleAgent), admin: e.As(auth.RoleAdmin)}
}

func ptr[T any](v T) *T { return &v }

// product creates a product with warranty months and returns its SKU.
func (e *env) product(sku string, months int) string {
	e.t.Helper()
	in := registry.ProductInput{SKU: sku, Name: "Product " + sku, Brand: "Acme", Category: "Air Conditioner",
		WarrantyMonths: ptr(months), SkillsNeeded: []string{"hvac"}}
	r := e.Do(http.MethodPost, "/api/v1/products", e.admin, in)
	require.Equal(e.t, http.StatusCreated, r.Code, r.String())
	return sku
}

func customerInput(name, phone string) registry.CustomerInput {
	return registry.CustomerInput{Name: name, Phone: phone, Addresses: []registry.AddressInput{
		{Label: "home", Line: "88 Century Avenue", City: "Shanghai", Province: "Shanghai", Lat: ptr(31.2397), Lon: ptr(121.4998)}}}
}

// customer creates a customer and returns it as an agent sees it.
func (e *env) customer(name, phone string) registry.CustomerView {
	e.t.Helper()
	r := e.Do(http.MethodPost, "/api/v1/customers", e.agent, customerInput(name, phone))
	require.Equal(e.t, http.StatusCreated, r.Code, r.String())
	var v registry.CustomerView
	r.JSON(e.t, &v)
	return v
}

func order(no, customerID string, lines ...registry.SalesLineInput) registry.SalesOrderInput {
	return registry.SalesOrderInput{Shop: "tmall", ShopOrderNo: no, CustomerID: customerID,
		OrderedAt: "2025-01-20T10:00:00+08:00", Currency: "CNY", Lines: lines}
}

func line(no int, sku string, deliveredAt string, serials ...string) registry.SalesLineInput {
	qty := max(1, len(serials))
	return registry.SalesLineInput{LineNo: no, SKU: sku, Qty: qty, UnitPrice: ptr(int64(299900)), Serials: serials, DeliveredAt: deliveredAt}
}

// importOrder posts an order and decodes the answer, requiring want.
func (e *env) importOrder(in any, want int) registry.SalesOrderView {
	e.t.Helper()
	r := e.Do(http.MethodPost, "/api/v1/sales-orders", e.agent, in)
	require.Equal(e.t, want, r.Code, r.String())
	var v registry.SalesOrderView
	r.JSON(e.t, &v)
	return v
}

func (e *env) unit(serial string) registry.UnitView {
	e.t.Helper()
	r := e.Do(http.MethodGet, "/api/v1/units/"+serial, e.agent, nil)
	require.Equal(e.t, http.StatusOK, r.Code, r.String())
	var v registry.UnitView
	r.JSON(e.t, &v)
	return v
}

func errorBody(t *testing.T, r *apitest.Response) httpx.ErrorBody {
	t.Helper()
	var b httpx.ErrorBody
	r.JSON(t, &b)
	return b
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// counts are the sizes of the collections a refused request must leave alone.
func (e *env) counts() map[string]int64 {
	out := map[string]int64{}
	for _, c := range []string{registry.CustomersCollection, registry.SalesOrdersCollection, registry.UnitsCollection,
		registry.HistoryCollection, registry.ProductsCollection} {
		out[c] = e.Count(c)
	}
	return out
}
