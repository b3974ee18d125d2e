package registry_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

func TestWarrantyEndIsDeliveryPlusProductWarrantyMonths(t *testing.T) {
	e := newEnv(t)
	cus := e.customer("Zhang San", "13812345678")
	for i, tc := range []struct {
		name        string
		months      int
		orderedAt   string
		deliveredAt string
		want        time.Time
	}{
		{"a year", 12, "2025-03-01T09:00:00Z", "2025-03-15T09:00:00Z", time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)},
		{"from delivery, not order", 24, "2024-12-30T09:00:00Z", "2025-01-05T18:30:00+08:00", time.Date(2027, 1, 5, 10, 30, 0, 0, time.UTC)},
		{"Jan 31 + 1 month rolls into March", 1, "2025-01-20T00:00:00Z", "2025-01-31T12:00:00Z", time.Date(2025, 3, 3, 12, 0, 0, 0, time.UTC)},
		{"Jan 31 + 1 month in a leap year", 1, "2024-01-20T00:00:00Z", "2024-01-31T12:00:00Z", time.Date(2024, 3, 2, 12, 0, 0, 0, time.UTC)},
		{"no warranty", 0, "2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z", time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sku := e.product("P-"+string(rune('A'+i)), tc.months)
			in := order("W-"+sku, cus.ID, line(1, sku, tc.deliveredAt, "SN-"+sku))
			in.OrderedAt = tc.orderedAt
			e.importOrder(in, http.StatusCreated)

			u := e.unit("SN-" + sku)
			assert.True(t, tc.want.Equal(u.WarrantyEnd), "warranty end %s, want %s", u.WarrantyEnd, tc.want)
			assert.Equal(t, tc.months, u.WarrantyMonths)
			delivered, err := time.Parse(time.RFC3339, tc.deliveredAt)
			require.NoError(t, err)
			assert.True(t, delivered.Equal(u.PurchasedAt), "purchased_at is the delivery")
		})
	}
}

func TestInWarrantyFlipsWhenTheClockPassesWarrantyEnd(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	deliveredAt := e.Clock.Now().Add(-48 * time.Hour)
	e.importOrder(order("TM-1", cus.ID, line(1, sku, deliveredAt.Format(time.RFC3339), "SN-1")), http.StatusCreated)
	end := deliveredAt.AddDate(0, 12, 0)

	u := e.unit("SN-1")
	assert.True(t, u.InWarranty)
	assert.Equal(t, 363, u.DaysLeft)

	e.Clock.Set(end.Add(-time.Millisecond))
	e.agent = e.As(auth.RoleAgent) // the old token expired a year ago
	u = e.unit("SN-1")
	assert.True(t, u.InWarranty, "still in warranty the moment before it ends")
	assert.Equal(t, 1, u.DaysLeft)

	e.Clock.Set(end)
	u = e.unit("SN-1")
	assert.False(t, u.InWarranty, "out of warranty when it ends")
	assert.Equal(t, 0, u.DaysLeft)

	lookup, err := e.svc.Unit(context.Background(), "sn-1")
	require.NoError(t, err)
	assert.True(t, lookup.InWarranty(end.Add(-time.Second)))
	assert.False(t, lookup.InWarranty(end))
}

// complaintsStore stands in for another domain: an aggregate whose change emits UnitTouched.
func complaintsStore(e *env) *aggregate.Store {
	e.Watch("test_complaints")
	return aggregate.NewStore(e.DB, "test_complaints", "complaint", nil, e.Clock)
}

func TestUnitHistoryShowsTheSaleAndTouchesFromOtherDomains(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	so := e.importOrder(order("TM-1", cus.ID, line(1, sku, delivered, "SN-1")), http.StatusCreated)
	complaints := complaintsStore(e)

	touchedAt := e.Clock.Now().Add(-time.Hour)
	ev := registry.UnitTouched("sn-1", registry.KindComplaint, "CMP-1", "Compressor is noisy", touchedAt)
	require.NoError(t, complaints.Create(ctx, "CMP-1", bson.D{{Key: "_id", Value: "CMP-1"}}, aggregate.Entry{Action: "created"}, ev))
	assert.Contains(t, e.RunDue(), registry.TypeUnitTouched)

	task, err := ev.Task()
	require.NoError(t, err)
	require.NoError(t, e.svc.HandleUnitTouched(ctx, task), "a redelivery succeeds")
	assert.Empty(t, e.RunDue())

	u := e.unit("SN-1")
	require.Len(t, u.History, 2, "the redelivered event is recorded once")
	assert.Equal(t, registry.KindComplaint, u.History[0].Kind, "newest first")
	assert.Equal(t, "CMP-1", u.History[0].Ref)
	assert.Equal(t, "Compressor is noisy", u.History[0].Summary)
	assert.True(t, touchedAt.Equal(u.History[0].At))
	assert.Equal(t, registry.KindSale, u.History[1].Kind)
	assert.Equal(t, so.ID, u.History[1].Ref)
}

func TestTouchBeforeTheUnitIsRegisteredIsKept(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := registry.UnitTouched("SN-LATE", registry.KindComplaint, "CMP-9", "Does not power on", e.Clock.Now())
	require.NoError(t, complaintsStore(e).Create(ctx, "CMP-9", bson.D{{Key: "_id", Value: "CMP-9"}}, aggregate.Entry{Action: "created"}, ev))
	e.RunDue()

	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	e.importOrder(order("TM-1", cus.ID, line(1, sku, delivered, "SN-LATE")), http.StatusCreated)
	assert.Len(t, e.unit("SN-LATE").History, 2)
}

func TestUnitTouchedHandlerSkipsMalformedEvents(t *testing.T) {
	e := newEnv(t)
	for _, ev := range []aggregate.Event{
		registry.UnitTouched("", registry.KindRMA, "RMA-1", "", time.Now()),
		registry.UnitTouched("SN-1", "Not A Kind!", "RMA-1", "", time.Now()),
	} {
		task, err := ev.Task()
		require.NoError(t, err)
		err = e.svc.HandleUnitTouched(context.Background(), task)
		assert.True(t, errors.Is(err, asynq.SkipRetry), "%v", err)
	}
	err := e.svc.HandleUnitTouched(context.Background(), asynq.NewTask(registry.TypeUnitTouched, []byte("not json")))
	assert.True(t, errors.Is(err, asynq.SkipRetry))
	assert.Equal(t, int64(0), e.Count(registry.HistoryCollection))
}

func TestDeliveringALineLaterRegistersItsUnitsOnce(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	so := e.importOrder(order("TM-1", cus.ID, line(1, sku, ""), line(2, sku, delivered)), http.StatusCreated)
	assert.Equal(t, int64(0), e.Count(registry.UnitsCollection), "nothing delivered with serials yet")
	path := "/api/v1/sales-orders/" + so.ID + "/deliveries"
	delivery := registry.DeliveryInput{LineNo: 1, DeliveredAt: "2025-02-01T10:00:00+08:00", Serials: []string{"sn-9"}}

	for range 2 {
		r := e.Do(http.MethodPost, path, e.agent, delivery)
		require.Equal(t, http.StatusOK, r.Code, r.String())
	}
	e.RunDue()

	var got registry.SalesOrderView
	e.Do(http.MethodGet, "/api/v1/sales-orders/"+so.ID, e.agent, nil).JSON(t, &got)
	assert.Equal(t, registry.DeliveryDelivered, got.DeliveryStatus)
	assert.Equal(t, so.Version+1, got.Version, "the repeated delivery changed nothing")
	assert.Equal(t, []string{"SN-9"}, got.Lines[0].Serials)
	u := e.unit("SN-9")
	assert.Equal(t, time.Date(2026, 2, 1, 2, 0, 0, 0, time.UTC), u.WarrantyEnd)
	assert.Len(t, u.History, 1, "the sale is recorded once")

	for _, tc := range []struct {
		name string
		body registry.DeliveryInput
		code int
	}{
		{"another date for a delivered line", registry.DeliveryInput{LineNo: 1, DeliveredAt: "2025-02-02T10:00:00+08:00"}, http.StatusConflict},
		{"no such line", registry.DeliveryInput{LineNo: 7, DeliveredAt: "2025-02-02T10:00:00+08:00"}, http.StatusBadRequest},
		{"before the order", registry.DeliveryInput{LineNo: 1, DeliveredAt: "2024-02-02T10:00:00+08:00"}, http.StatusBadRequest},
	} {
		r := e.Do(http.MethodPost, path, e.agent, tc.body)
		assert.Equal(t, tc.code, r.Code, tc.name+": "+r.String())
	}
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, "/api/v1/sales-orders/SAL-NOPE/deliveries", e.agent, delivery).Code)
}

func TestDeliveryKeepsTheSerialsImportedWithTheLine(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	so := e.importOrder(order("TM-1", cus.ID, line(1, sku, "", "SN-1", "SN-2"), line(2, sku, "", "SN-3")), http.StatusCreated)
	path := "/api/v1/sales-orders/" + so.ID + "/deliveries"
	at := "2025-02-01T10:00:00+08:00"

	r := e.Do(http.MethodPost, path, e.agent, registry.DeliveryInput{LineNo: 1, DeliveredAt: at, Serials: []string{"SN-1", "SN-9"}})
	assert.Equal(t, http.StatusBadRequest, r.Code, "other serials than imported: "+r.String())
	r = e.Do(http.MethodPost, path, e.agent, registry.DeliveryInput{LineNo: 2, DeliveredAt: at, Serials: []string{"SN-1"}})
	assert.Equal(t, http.StatusBadRequest, r.Code, "a serial of another line: "+r.String())
	assert.Equal(t, int64(0), e.Count(registry.UnitsCollection))

	r = e.Do(http.MethodPost, path, e.agent, registry.DeliveryInput{LineNo: 1, DeliveredAt: at})
	require.Equal(t, http.StatusOK, r.Code, r.String())
	assert.Equal(t, int64(2), e.Count(registry.UnitsCollection))
	assert.Equal(t, so.ID, e.unit("SN-2").SalesOrderID)
}

func TestSaleDeliveredEventRegistersUnitsAfterACrash(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	e.importOrder(order("TM-1", cus.ID, line(1, sku, delivered, "SN-1", "SN-2")), http.StatusCreated)
	// A crash between the order's write and its units: nothing but the order is left.
	_, err := e.DB.Collection(registry.UnitsCollection).DeleteMany(context.Background(), bson.D{})
	require.NoError(t, err)
	_, err = e.DB.Collection(registry.HistoryCollection).DeleteMany(context.Background(), bson.D{})
	require.NoError(t, err)

	e.RunDue() // the outbox still holds the order's sale_delivered event
	assert.Equal(t, int64(2), e.Count(registry.UnitsCollection))
	assert.Len(t, e.unit("SN-2").History, 1)
}

func TestUnitLookupIsForStaffWhoNeedIt(t *testing.T) {
	e := newEnv(t)
	sku := e.product("AC-100", 12)
	cus := e.customer("Zhang San", "13812345678")
	e.importOrder(order("TM-1", cus.ID, line(1, sku, delivered, "SN-1")), http.StatusCreated)
	warehouse, _ := e.User(auth.CreateUserInput{Role: auth.RoleWarehouse, WarehouseID: "WH-SH"})
	outlet, _ := e.User(auth.CreateUserInput{Role: auth.RoleOutlet, OutletID: "OUT-1"})

	assert.Equal(t, http.StatusOK, e.Do(http.MethodGet, "/api/v1/units/sn-1", warehouse, nil).Code, "serials are matched in any case")
	assert.Equal(t, http.StatusOK, e.Do(http.MethodGet, "/api/v1/units/SN-1", e.As(auth.RoleDispatcher), nil).Code)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/units/SN-1", outlet, nil).Code)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/units/SN-1", e.As(auth.RoleFinance), nil).Code)
	assert.Equal(t, http.StatusUnauthorized, e.Do(http.MethodGet, "/api/v1/units/SN-1", "", nil).Code)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/units/SN-NOPE", e.agent, nil).Code)
}
