package registry_test

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

func TestCustomerPhoneIsMaskedForRolesThatDoNotNeedIt(t *testing.T) {
	e := newEnv(t)
	in := customerInput("Zhang San", "138 1234 5678")
	in.Email = "zhang.san@example.com"
	r := e.Do(http.MethodPost, "/api/v1/customers", e.agent, in)
	require.Equal(t, http.StatusCreated, r.Code, r.String())
	var created registry.CustomerView
	r.JSON(t, &created)
	warehouse, _ := e.User(auth.CreateUserInput{Role: auth.RoleWarehouse, WarehouseID: "WH-SH"})
	outlet, _ := e.User(auth.CreateUserInput{Role: auth.RoleOutlet, OutletID: "OUT-1"})

	for _, tc := range []struct {
		role, token, phone, email string
		masked                    bool
	}{
		{auth.RoleAgent, e.agent, "13812345678", "zhang.san@example.com", false},
		{auth.RoleSupervisor, e.As(auth.RoleSupervisor), "13812345678", "zhang.san@example.com", false},
		{auth.RoleDispatcher, e.As(auth.RoleDispatcher), "13812345678", "zhang.san@example.com", false},
		{auth.RoleAdmin, e.admin, "13812345678", "zhang.san@example.com", false},
		{auth.RoleWarehouse, warehouse, "138****5678", "z***@example.com", true},
		{auth.RoleFinance, e.As(auth.RoleFinance), "138****5678", "z***@example.com", true},
	} {
		t.Run(tc.role, func(t *testing.T) {
			r := e.Do(http.MethodGet, "/api/v1/customers/"+created.ID, tc.token, nil)
			require.Equal(t, http.StatusOK, r.Code, r.String())
			var v registry.CustomerView
			r.JSON(t, &v)
			assert.Equal(t, tc.phone, v.Phone)
			assert.Equal(t, tc.email, v.Email)
			assert.Equal(t, tc.masked, v.PhoneMasked)
			assert.Equal(t, !tc.masked, registry.CanSeePhone(tc.role))
			assert.NotContains(t, string(r.Body), map[bool]string{true: "12345678", false: "never"}[tc.masked])
		})
	}
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/customers?phone=13812345678", warehouse, nil).Code,
		"a search by phone would unmask it")
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/customers/"+created.ID, outlet, nil).Code,
		"outlets see customers through their jobs")
	c, err := e.svc.Customer(t.Context(), created.ID)
	require.NoError(t, err)
	assert.Equal(t, "138****5678", registry.ViewCustomer(c, auth.RoleOutlet).Phone, "other domains mask the same way")
}

func TestCreateCustomerRejectsBadInputAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	with := func(change func(*registry.CustomerInput)) registry.CustomerInput {
		in := customerInput("Zhang San", "13812345678")
		change(&in)
		return in
	}
	for _, tc := range []struct {
		name   string
		body   any
		fields []string
	}{
		{"lat 200", with(func(in *registry.CustomerInput) { in.Addresses[0].Lat = ptr(200.0) }), []string{"addresses[0].lat"}},
		{"lon -181 and no city", with(func(in *registry.CustomerInput) { in.Addresses[0].Lon, in.Addresses[0].City = ptr(-181.0), "" }),
			[]string{"addresses[0].lon", "addresses[0].city"}},
		{"missing coordinates", with(func(in *registry.CustomerInput) { in.Addresses[0].Lat, in.Addresses[0].Lon = nil, nil }),
			[]string{"addresses[0].lat", "addresses[0].lon"}},
		{"no address", with(func(in *registry.CustomerInput) { in.Addresses = nil }), []string{"addresses"}},
		{"bad phone and email", with(func(in *registry.CustomerInput) { in.Phone, in.Email = "call me", "zhang@" }), []string{"phone", "email"}},
		{"unknown default address", with(func(in *registry.CustomerInput) { in.DefaultAddressID = "work" }), []string{"default_address_id"}},
		{"duplicate address ids", with(func(in *registry.CustomerInput) {
			in.Addresses[0].ID = "home"
			in.Addresses = append(in.Addresses, in.Addresses[0])
		}), []string{"addresses[1].id"}},
		{"unknown field", `{"name":"Zhang San","phone":"13812345678","vip":true}`, []string{"vip"}},
		{"wrong type", `{"name":"Zhang San","phone":13812345678}`, []string{"phone"}},
		{"empty object", `{}`, []string{"name", "phone", "addresses"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, "/api/v1/customers", e.agent, tc.body)
			require.Equal(t, http.StatusBadRequest, r.Code, r.String())
			b := errorBody(t, r)
			assert.Equal(t, apperr.CodeValidation, b.Code)
			assert.ElementsMatch(t, tc.fields, keys(b.Details), "%v", b.Details)
		})
	}
	assert.Equal(t, int64(0), e.Count(registry.CustomersCollection))
}

func TestCustomerPhoneBelongsToOneCustomer(t *testing.T) {
	e := newEnv(t)
	first := e.customer("Zhang San", "13812345678")
	r := e.Do(http.MethodPost, "/api/v1/customers", e.agent, customerInput("Another Zhang", "+86 138-1234-5678"))
	require.Equal(t, http.StatusConflict, r.Code, r.String())
	assert.Contains(t, errorBody(t, r).Details["phone"], first.ID)
	assert.Equal(t, int64(1), e.Count(registry.CustomersCollection))
}

func TestSearchCustomersByPhoneOrNamePrefix(t *testing.T) {
	e := newEnv(t)
	zhang := e.customer("Zhang San", "13812345678")
	zhao := e.customer("Zhao Liu", "13900000000")
	e.customer("Li Si", "13700000000")

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"phone=" + url.QueryEscape("+86 139 0000 0000"), []string{zhao.ID}},
		{"name=zh", []string{zhang.ID, zhao.ID}},
		{"name=ZHANG+s", []string{zhang.ID}},
		{"name=" + url.QueryEscape("(.*"), nil},
		{"name=zh&phone=13812345678", []string{zhang.ID}},
		{"phone=10000", nil},
	} {
		r := e.Do(http.MethodGet, "/api/v1/customers?"+tc.query, e.agent, nil)
		require.Equal(t, http.StatusOK, r.Code, r.String())
		var page registry.CustomerList
		r.JSON(t, &page)
		var got []string
		for _, c := range page.Items {
			got = append(got, c.ID)
		}
		assert.Equal(t, tc.want, got, tc.query)
	}
	assert.Equal(t, http.StatusBadRequest, e.Do(http.MethodGet, "/api/v1/customers?limit=0", e.agent, nil).Code)
}

func TestUpdateCustomerNeedsTheVersionRead(t *testing.T) {
	e := newEnv(t)
	c := e.customer("Zhang San", "13812345678")
	path := "/api/v1/customers/" + c.ID
	work := registry.AddressInput{ID: "work", Label: "office", Line: "1 Lujiazui Ring Rd", City: "Shanghai", Province: "Shanghai",
		Lat: ptr(31.24), Lon: ptr(121.50)}
	home := registry.AddressInput{ID: c.Addresses[0].ID, Line: c.Addresses[0].Line, City: c.Addresses[0].City,
		Province: c.Addresses[0].Province, Lat: &c.Addresses[0].Lat, Lon: &c.Addresses[0].Lon}

	r := e.Do(http.MethodPatch, path, e.agent, registry.UpdateCustomerInput{Version: c.Version,
		Addresses: &[]registry.AddressInput{home, work}, DefaultAddressID: ptr("work")})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	var v registry.CustomerView
	r.JSON(t, &v)
	assert.Equal(t, c.Version+1, v.Version)
	assert.Equal(t, "work", v.DefaultAddressID)
	assert.Equal(t, c.Addresses[0].ID, v.Addresses[0].ID, "an address sent with its id keeps it")

	r = e.Do(http.MethodPatch, path, e.agent, registry.UpdateCustomerInput{Version: c.Version, Name: ptr("Stale")})
	assert.Equal(t, http.StatusConflict, r.Code)
	assert.Equal(t, apperr.CodeVersionConflict, errorBody(t, r).Code)

	r = e.Do(http.MethodPatch, path, e.agent, registry.UpdateCustomerInput{Version: v.Version, Addresses: &[]registry.AddressInput{home}})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	r.JSON(t, &v)
	assert.Equal(t, c.Addresses[0].ID, v.DefaultAddressID, "dropping the default address falls back to the first")

	for _, body := range []any{registry.UpdateCustomerInput{Version: v.Version}, registry.UpdateCustomerInput{Name: ptr("No version")},
		registry.UpdateCustomerInput{Version: v.Version, Addresses: &[]registry.AddressInput{}}} {
		assert.Equal(t, http.StatusBadRequest, e.Do(http.MethodPatch, path, e.agent, body).Code, "%+v", body)
	}
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPatch, "/api/v1/customers/CUS-NOPE", e.agent,
		registry.UpdateCustomerInput{Version: 1, Name: ptr("X")}).Code)
	finance := e.As(auth.RoleFinance)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodPatch, path, finance, registry.UpdateCustomerInput{Version: v.Version, Name: ptr("X")}).Code)
}

func TestChangingPhoneToAnotherCustomersConflicts(t *testing.T) {
	e := newEnv(t)
	zhang := e.customer("Zhang San", "13812345678")
	li := e.customer("Li Si", "13900000000")
	r := e.Do(http.MethodPatch, "/api/v1/customers/"+li.ID, e.agent, registry.UpdateCustomerInput{Version: li.Version, Phone: ptr("13812345678")})
	require.Equal(t, http.StatusConflict, r.Code, r.String())
	assert.Contains(t, errorBody(t, r).Details["phone"], zhang.ID)
	got, err := e.svc.Customer(t.Context(), li.ID)
	require.NoError(t, err)
	assert.Equal(t, "13900000000", got.Phone)
	assert.Equal(t, li.Version, got.Version)
}

func TestConcurrentCustomerUpdatesOfOneVersionLetExactlyOneWin(t *testing.T) {
	e := newEnv(t)
	c := e.customer("Zhang San", "13812345678")
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := registry.UpdateCustomerInput{Version: c.Version, Name: ptr(fmt.Sprintf("Name %d", i))}
			codes[i] = e.Do(http.MethodPatch, "/api/v1/customers/"+c.ID, e.agent, body).Code
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, code := range codes {
		count[code]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: n - 1}, count)
	got, err := e.svc.Customer(t.Context(), c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.Version+1, got.Version)
}
