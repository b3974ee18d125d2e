package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
)

func completedTask(t *testing.T, c orders.Completed) *asynq.Task {
	e := aggregate.NewEvent(orders.TypeCompleted, queue.Default, c)
	e.Aggregate, e.AggregateID = orders.Collections()[0], c.OrderID
	tk, err := e.Task()
	require.NoError(t, err)
	return tk
}

// defaultSchedule puts a default fee schedule in force: flat labour, travel from 10 km,
// parts at list price + 15%.
func defaultSchedule(t *testing.T, app *App) {
	to := 10.0
	_, err := app.fees.CreateSchedule(context.Background(), fees.System, fees.CreateScheduleInput{Rules: fees.Rules{
		Labour: []fees.LabourRule{
			{ServiceType: fees.ServiceRepair, Category: "*", Region: "*", Amount: 8000},
			{ServiceType: fees.ServiceInstallation, Category: "*", Region: "*", Amount: 6000},
			{ServiceType: fees.ServiceMaintenance, Category: "*", Region: "*", Amount: 4000},
			{ServiceType: fees.ServiceInspection, Category: "*", Region: "*", Amount: 3000},
		},
		Travel: []fees.TravelBand{{FromKm: 0, ToKm: &to, Amount: 0}, {FromKm: 10, Amount: 2500}},
		Parts:  fees.PartsRule{MarkupBP: 1500},
	}})
	require.NoError(t, err)
}

func TestCompletedOrderIsPricedOnceFromTheScheduleInForce(t *testing.T) {
	app := testApp(t)
	ctx := context.Background()
	defaultSchedule(t, app)

	done := orders.Completed{OrderID: "SO-TEST-1", ServiceType: "repair", CandidateKind: "outlet", OutletID: "OUT-1",
		Category: "air_conditioner", Province: "上海", InWarranty: true, DistanceKm: 12, CompletedAt: app.clock.Now().Add(time.Hour)}
	h := completionHandler{fees: app.fees, parts: app.parts}
	require.NoError(t, h.ProcessTask(ctx, completedTask(t, done)))

	priced, err := app.fees.Price(ctx, jobOf(done, nil))
	require.NoError(t, err, "pricing again returns the stored job")
	b, _ := json.Marshal(priced)
	assert.Contains(t, string(b), `"OUT-1"`)
	var total int64
	for _, l := range priced.Lines {
		total += l.Amount
	}
	assert.Equal(t, int64(8000+2500), total, "labour + travel band 10+ km")

	require.NoError(t, h.ProcessTask(ctx, completedTask(t, done)), "a redelivery is a no-op")
}

func TestCompletionFeesRefuseGoesDeadInsteadOfRetrying(t *testing.T) {
	app := testApp(t) // no fee schedule at all
	err := completionHandler{fees: app.fees, parts: app.parts}.ProcessTask(context.Background(), completedTask(t, orders.Completed{
		OrderID: "SO-TEST-2", ServiceType: "repair", Category: "x", CompletedAt: time.Now()}))
	assert.ErrorIs(t, err, asynq.SkipRetry)
}

// usedParts is the parts a test order consumed.
type usedParts []parts.PartUsage

func (u usedParts) UsedOn(context.Context, string) ([]parts.PartUsage, error) { return u, nil }

func TestCompletedOrderIsPricedWithThePartsItConsumed(t *testing.T) {
	app := testApp(t)
	ctx := context.Background()
	defaultSchedule(t, app)
	done := orders.Completed{OrderID: "SO-TEST-3", ServiceType: "repair", CandidateKind: "technician", OutletID: "OUT-1",
		Category: "washing_machine", City: "上海", InWarranty: true, DistanceKm: 3, CompletedAt: app.clock.Now().Add(time.Hour)}
	used := usedParts{{PartNo: "FAN-01", Qty: 2, ListPrice: 2500, Currency: "CNY"}, {PartNo: "PCB-01", Qty: 1, ListPrice: 45000, Currency: "CNY"}}
	require.NoError(t, completionHandler{fees: app.fees, parts: used}.ProcessTask(ctx, completedTask(t, done)))

	priced, err := app.fees.Price(ctx, jobOf(done, nil))
	require.NoError(t, err, "the stored lines come back")
	var partLines []fees.Line
	for _, l := range priced.Lines {
		if l.Kind == fees.KindParts {
			partLines = append(partLines, l)
		}
	}
	require.Len(t, partLines, 2)
	assert.Equal(t, "FAN-01", partLines[0].Code)
	assert.Equal(t, int64(2*2875), partLines[0].Amount, "list 25.00 + 15% = 28.75, twice")
	assert.Equal(t, int64(51750), partLines[1].Amount, "450.00 + 15%")
	assert.Equal(t, fees.PayerBrand, partLines[1].Payer, "in warranty: the brand pays")
}
