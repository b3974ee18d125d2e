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
)

func completedTask(t *testing.T, c orders.Completed) *asynq.Task {
	e := aggregate.NewEvent(orders.TypeCompleted, queue.Default, c)
	e.Aggregate, e.AggregateID = orders.Collections()[0], c.OrderID
	tk, err := e.Task()
	require.NoError(t, err)
	return tk
}

func TestCompletedOrderIsPricedOnceFromTheScheduleInForce(t *testing.T) {
	app := testApp(t)
	ctx := context.Background()
	to := 10.0
	_, err := app.fees.CreateSchedule(ctx, fees.System, fees.CreateScheduleInput{Rules: fees.Rules{
		Labour: []fees.LabourRule{
			{ServiceType: fees.ServiceRepair, Category: "*", Region: "*", Amount: 8000},
			{ServiceType: fees.ServiceInstallation, Category: "*", Region: "*", Amount: 6000},
			{ServiceType: fees.ServiceMaintenance, Category: "*", Region: "*", Amount: 4000},
			{ServiceType: fees.ServiceInspection, Category: "*", Region: "*", Amount: 3000},
		},
		Travel: []fees.TravelBand{{FromKm: 0, ToKm: &to, Amount: 0}, {FromKm: 10, Amount: 2500}},
	}})
	require.NoError(t, err)

	done := orders.Completed{OrderID: "SO-TEST-1", ServiceType: "repair", CandidateKind: "outlet", OutletID: "OUT-1",
		Category: "air_conditioner", Province: "上海", InWarranty: true, DistanceKm: 12, CompletedAt: app.clock.Now().Add(time.Hour)}
	h := completionHandler{fees: app.fees}
	require.NoError(t, h.ProcessTask(ctx, completedTask(t, done)))

	priced, err := app.fees.Price(ctx, jobOf(done))
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
	err := completionHandler{fees: app.fees}.ProcessTask(context.Background(), completedTask(t, orders.Completed{
		OrderID: "SO-TEST-2", ServiceType: "repair", Category: "x", CompletedAt: time.Now()}))
	assert.ErrorIs(t, err, asynq.SkipRetry)
}
