package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/fees"
)

func TestDispatchReadsLabourFromTheFeeSchedules(t *testing.T) {
	app := testApp(t)
	ctx := context.Background()
	rules := func(repair int64) fees.Rules {
		return fees.Rules{
			Labour: []fees.LabourRule{
				{ServiceType: fees.ServiceRepair, Category: "*", Region: "*", Amount: repair},
				{ServiceType: fees.ServiceRepair, Category: "air_conditioner", Region: "上海", Amount: repair + 1500},
				{ServiceType: fees.ServiceInstallation, Category: "*", Region: "*", Amount: 6000},
				{ServiceType: fees.ServiceMaintenance, Category: "*", Region: "*", Amount: 4000},
				{ServiceType: fees.ServiceInspection, Category: "*", Region: "*", Amount: 3000},
			},
			Travel: []fees.TravelBand{{FromKm: 0, Amount: 0}},
		}
	}
	_, err := app.fees.CreateSchedule(ctx, fees.System, fees.CreateScheduleInput{Rules: rules(8000)})
	require.NoError(t, err)
	_, err = app.fees.CreateSchedule(ctx, fees.System, fees.CreateScheduleInput{OutletID: "OUT-DEAR", Rules: rules(12000)})
	require.NoError(t, err)

	l := feeLabour{fees: app.fees, clock: app.clock}
	job := dispatch.Job{ServiceType: "repair", Category: "air_conditioner", Region: "上海"}
	fee, ok := l.LabourFee(dispatch.Candidate{Kind: dispatch.CandidateOutlet, ID: "OUT-DEAR"}, job)
	assert.True(t, ok)
	assert.Equal(t, int64(13500), fee, "an outsourced outlet is priced by its own schedule, most specific row")
	fee, ok = l.LabourFee(dispatch.Candidate{Kind: dispatch.CandidateTechnician, ID: "TEC-1", OutletID: "OUT-DEAR"}, job)
	assert.True(t, ok)
	assert.Equal(t, int64(9500), fee, "in-house work is priced by the default schedule")
	assert.Equal(t, int64(9500), l.MinLabourFee(job), "the floor is the cheapest schedule in force")

	_, ok = l.LabourFee(dispatch.Candidate{Kind: dispatch.CandidateOutlet, ID: "OUT-X"}, dispatch.Job{ServiceType: "teleport"})
	assert.False(t, ok, "no rule: the engine falls back to the outlet's configured rate")
}
