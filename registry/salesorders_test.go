package registry_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

const delivered = "2025-01-22T15:30:00+08:00"

func TestImportingTheSameShopOrderTwiceCreatesItOnce(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	in := order("TM-1001", cus.ID, line(1, sku, delivered, "SN-A1", "SN-A2"), line(2, sku, ""))

	first := e.importOrder(in, http.StatusCreated)
	second := e.importOrder(in, http.StatusOK)

	assert.Equal(t, first.ID, second.ID, "the second import answers with the stored order")
	assert.Equal(t, first.Version, second.Version, "and changes nothing")
	assert.Equal(t, registry.DeliveryPartial, first.DeliveryStatus)
	assert.Equal(t, int64(3*299900), first.Total)
	assert.Equal(t, int64(1), e.Count(registry.SalesOrdersCollection))
	assert.Equal(t, int64(2), e.Count(registry.UnitsCollection), "one unit per serial of the delivered line")
	e.RunDue()
	assert.Equal(t, int64(2), e.Count(registry.HistoryCollection), "one sale entry per unit, also after the events ran")

	in.ShopOrderNo = "TM-1002"
	in.Lines = []registry.SalesLineInput{line(1, sku, "")}
	other := e.importOrder(in, http.StatusCreated)
	assert.NotEqual(t, first.ID, other.ID, "another shop order number is another order")
}

func TestConcurrentImportsOfOneShopOrderCreateItOnce(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	in := order("TM-RACE", cus.ID, line(1, sku, delivered, "SN-R1"))

	const n = 8
	codes, orderIDs := make([]int, n), make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := e.Do(http.MethodPost, "/api/v1/sales-orders", e.agent, in)
			codes[i] = r.Code
			var v struct{ ID string }
			_ = json.Unmarshal(r.Body, &v)
			orderIDs[i] = v.ID
		}()
	}
	close(start)
	wg.Wait()

	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	assert.Equal(t, map[int]int{http.StatusCreated: 1, http.StatusOK: n - 1}, count)
	for _, id := range orderIDs {
		assert.Equal(t, orderIDs[0], id, "every import answers with the one order")
	}
	assert.Equal(t, int64(1), e.Count(registry.SalesOrdersCollection))
	assert.Equal(t, int64(1), e.Count(registry.UnitsCollection))
}

func TestBulkImportImportsGoodOrdersAndReportsBadOnes(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	bad := order("TM-2", cus.ID, line(1, sku, ""))
	bad.Lines[0].Qty = 0
	body := []any{
		order("TM-1", cus.ID, line(1, sku, delivered, "SN-B1")),
		bad,
		map[string]any{"shop": "jd", "shop_order_no": "JD-9", "surprise": true},
		order("TM-3", cus.ID, line(1, sku, "")),
		order("TM-1", cus.ID, line(1, sku, delivered, "SN-B1")),
	}

	r := e.Do(http.MethodPost, "/api/v1/sales-orders/bulk", e.agent, body)
	require.Equal(t, http.StatusOK, r.Code, r.String())
	var resp registry.BulkResponse
	r.JSON(t, &resp)

	require.Len(t, resp.Results, 5)
	statuses := []string{}
	for _, res := range resp.Results {
		statuses = append(statuses, res.Status)
	}
	assert.Equal(t, []string{"created", "invalid", "invalid", "created", "existing"}, statuses)
	assert.Equal(t, "TM-2", resp.Results[1].ShopOrderNo)
	require.NotNil(t, resp.Results[1].Error)
	assert.Equal(t, apperr.CodeValidation, resp.Results[1].Error.Code)
	assert.Equal(t, []string{"lines[0].qty"}, keys(resp.Results[1].Error.Details))
	assert.Equal(t, "JD-9", resp.Results[2].ShopOrderNo, "an undecodable order is still labelled")
	assert.Contains(t, resp.Results[2].Error.Details, "surprise")
	assert.Equal(t, resp.Results[0].ID, resp.Results[4].ID, "a repeat within the bulk is the existing order")
	assert.Empty(t, resp.Results[1].ID)
	assert.Equal(t, 2, resp.Created)
	assert.Equal(t, 1, resp.Existing)
	assert.Equal(t, 2, resp.Invalid)
	assert.Equal(t, int64(2), e.Count(registry.SalesOrdersCollection))
	assert.Equal(t, int64(1), e.Count(registry.UnitsCollection))
}

func TestBulkImportRefusesAnEmptyOrOversizedBatch(t *testing.T) {
	e := newEnv(t)
	tooMany := make([]map[string]any, registry.MaxBulk+1)
	for _, body := range []any{[]any{}, tooMany, `{"shop":"tmall"}`} {
		r := e.Do(http.MethodPost, "/api/v1/sales-orders/bulk", e.agent, body)
		assert.Equal(t, http.StatusBadRequest, r.Code, r.String())
	}
	assert.Equal(t, int64(0), e.Count(registry.SalesOrdersCollection))
}

func TestImportRejectsBadInputAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	valid := func() registry.SalesOrderInput { return order("TM-1", cus.ID, line(1, sku, delivered, "SN-1")) }
	with := func(change func(*registry.SalesOrderInput)) registry.SalesOrderInput {
		in := valid()
		change(&in)
		return in
	}
	inline := customerInput("Li Si", "13900000000")
	inline.Addresses[0].Lat = ptr(200.0)
	before := e.counts()

	for _, tc := range []struct {
		name   string
		body   any
		fields []string
	}{
		{"unknown sku", with(func(in *registry.SalesOrderInput) { in.Lines[0].SKU = "NOPE-1" }), []string{"lines[0].sku"}},
		{"qty 0", with(func(in *registry.SalesOrderInput) { in.Lines[0].Qty, in.Lines[0].Serials = 0, nil }), []string{"lines[0].qty"}},
		{"serial count is not qty", with(func(in *registry.SalesOrderInput) { in.Lines[0].Qty = 2 }), []string{"lines[0].serials"}},
		{"duplicate serials", with(func(in *registry.SalesOrderInput) {
			in.Lines = append(in.Lines, line(2, sku, delivered, "sn-1"))
		}), []string{"lines[1].serials[0]"}},
		{"duplicate line numbers", with(func(in *registry.SalesOrderInput) { in.Lines = append(in.Lines, line(1, sku, "")) }), []string{"lines[1].line_no"}},
		{"inline customer at lat 200", with(func(in *registry.SalesOrderInput) { in.CustomerID, in.Customer = "", &inline }),
			[]string{"customer.addresses[0].lat"}},
		{"valid inline customer, unknown sku", with(func(in *registry.SalesOrderInput) {
			in.CustomerID, in.Customer, in.Lines[0].SKU = "", ptr(customerInput("Li Si", "13900000000")), "NOPE-1"
		}), []string{"lines[0].sku"}},
		{"both customer_id and customer", with(func(in *registry.SalesOrderInput) { in.Customer = ptr(customerInput("Li Si", "13900000000")) }),
			[]string{"customer"}},
		{"missing customer", with(func(in *registry.SalesOrderInput) { in.CustomerID = "" }), []string{"customer_id"}},
		{"unknown customer", with(func(in *registry.SalesOrderInput) { in.CustomerID = "CUS-NOPE" }), []string{"customer_id"}},
		{"delivered before ordered", with(func(in *registry.SalesOrderInput) { in.Lines[0].DeliveredAt = "2025-01-01T00:00:00Z" }),
			[]string{"lines[0].delivered_at"}},
		{"delivered in the future", with(func(in *registry.SalesOrderInput) { in.Lines[0].DeliveredAt = "2030-01-01T00:00:00Z" }),
			[]string{"lines[0].delivered_at"}},
		{"bad time and currency", with(func(in *registry.SalesOrderInput) { in.OrderedAt, in.Currency = "yesterday", "yuan" }),
			[]string{"ordered_at", "currency"}},
		{"no lines", with(func(in *registry.SalesOrderInput) { in.Lines = nil }), []string{"lines"}},
		{"missing unit price", with(func(in *registry.SalesOrderInput) { in.Lines[0].UnitPrice = nil }), []string{"lines[0].unit_price"}},
		{"unknown field", `{"shop":"tmall","shop_order_no":"TM-1","customer_id":"` + cus.ID + `","discount":5}`, []string{"discount"}},
		{"wrong type", `{"shop":"tmall","shop_order_no":"TM-1","customer_id":"` + cus.ID + `","lines":[{"qty":"two"}]}`,
			[]string{"lines.qty"}},
		{"empty object", `{}`, []string{"shop", "shop_order_no", "customer_id", "ordered_at", "currency", "lines"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, "/api/v1/sales-orders", e.agent, tc.body)
			require.Equal(t, http.StatusBadRequest, r.Code, r.String())
			b := errorBody(t, r)
			assert.Equal(t, apperr.CodeValidation, b.Code)
			assert.ElementsMatch(t, tc.fields, keys(b.Details), "%v", b.Details)
		})
	}
	assert.Equal(t, before, e.counts(), "nothing was written")
}

func TestWarehouseCannotImportSalesOrders(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	warehouse, _ := e.User(auth.CreateUserInput{Role: auth.RoleWarehouse, WarehouseID: "WH-SH"})
	in := order("TM-1", cus.ID, line(1, sku, delivered, "SN-1"))

	for _, path := range []string{"/api/v1/sales-orders", "/api/v1/sales-orders/bulk"} {
		body := any(in)
		if path != "/api/v1/sales-orders" {
			body = []any{in}
		}
		r := e.Do(http.MethodPost, path, warehouse, body)
		assert.Equal(t, http.StatusForbidden, r.Code, r.String())
	}
	assert.Equal(t, int64(0), e.Count(registry.SalesOrdersCollection))
	assert.Equal(t, int64(0), e.Count(registry.UnitsCollection))
}

func TestSerialOfAnotherSaleConflicts(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	zhang := e.customer("Zhang San", "13812345678")
	li := e.customer("Li Si", "13900000000")
	e.importOrder(order("TM-1", zhang.ID, line(1, sku, delivered, "SN-OWNED"), line(2, sku, "", "SN-PROMISED")), http.StatusCreated)
	before := e.counts()

	for _, tc := range []struct {
		name, serial string
		newCustomer  bool
	}{
		{"a registered unit", "sn-owned", false},
		{"a serial another order will deliver", "SN-PROMISED", false},
		{"by a new inline customer", "SN-OWNED", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := order("JD-7", li.ID, line(1, sku, delivered, tc.serial))
			if tc.newCustomer {
				in.CustomerID, in.Customer = "", ptr(customerInput("Wang Wu", "13700001111"))
			}
			r := e.Do(http.MethodPost, "/api/v1/sales-orders", e.agent, in)
			require.Equal(t, http.StatusConflict, r.Code, r.String())
			assert.Equal(t, []string{"lines[0].serials[0]"}, keys(errorBody(t, r).Details))
		})
	}
	assert.Equal(t, before, e.counts(), "nothing was written")
	assert.Equal(t, zhang.ID, e.unit("SN-OWNED").CustomerID, "the unit keeps its owner")
}

func TestInlineCustomerIsMatchedByPhoneOrCreated(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	in := order("TM-1", "", line(1, sku, ""))
	in.Customer = ptr(customerInput("Wang Wu", "+86 137-0000-1111"))
	first := e.importOrder(in, http.StatusCreated)

	in.ShopOrderNo, in.Customer.Phone, in.Customer.Name = "TM-2", "13700001111", "W. Wu"
	second := e.importOrder(in, http.StatusCreated)

	assert.Equal(t, first.CustomerID, second.CustomerID)
	assert.Equal(t, int64(1), e.Count(registry.CustomersCollection))
	c, err := e.svc.Customer(t.Context(), first.CustomerID)
	require.NoError(t, err)
	assert.Equal(t, "Wang Wu", c.Name, "an import does not rewrite an existing customer")
	assert.Equal(t, "13700001111", c.Phone)
}

func TestListSalesOrdersOfACustomer(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	zhang := e.customer("Zhang San", "13812345678")
	li := e.customer("Li Si", "13900000000")
	a := e.importOrder(order("TM-1", zhang.ID, line(1, sku, "")), http.StatusCreated)
	e.importOrder(order("TM-2", li.ID, line(1, sku, "")), http.StatusCreated)
	b := e.importOrder(order("TM-3", zhang.ID, line(1, sku, "")), http.StatusCreated)

	r := e.Do(http.MethodGet, "/api/v1/sales-orders?customer_id="+zhang.ID+"&limit=1", e.agent, nil)
	require.Equal(t, http.StatusOK, r.Code, r.String())
	var page registry.SalesOrderList
	r.JSON(t, &page)
	require.Len(t, page.Items, 1)
	assert.Equal(t, a.ID, page.Items[0].ID)
	require.NotEmpty(t, page.NextCursor)

	r = e.Do(http.MethodGet, "/api/v1/sales-orders?customer_id="+zhang.ID+"&cursor="+page.NextCursor, e.agent, nil)
	page = registry.SalesOrderList{}
	r.JSON(t, &page)
	require.Len(t, page.Items, 1)
	assert.Equal(t, b.ID, page.Items[0].ID)
	assert.Empty(t, page.NextCursor)

	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/sales-orders/SAL-NOPE", e.agent, nil).Code)
	outlet, _ := e.User(auth.CreateUserInput{Role: auth.RoleOutlet, OutletID: "OUT-1"})
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/sales-orders/"+a.ID, outlet, nil).Code)
}
