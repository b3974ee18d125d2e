package main

import (
	"time"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/clock"
)

// labourSchedules is what dispatch's cost model needs of fees: the labour fee in force.
type labourSchedules interface {
	LabourFee(outletID, serviceType, category, region string, at time.Time) (int64, bool)
	MinLabourFee(serviceType, category, region string, at time.Time) (int64, bool)
}

// feeLabour lets the dispatch engine price labour from the fee schedules (DESIGN §6):
// an outsourced outlet by its own schedule, an in-house technician by the default one.
// Both read fees' in-memory cache, so the engine's hot loop never touches the database.
type feeLabour struct {
	fees  labourSchedules
	clock clock.Clock
}

func (f feeLabour) at(job dispatch.Job) time.Time {
	if !job.Window.Start.IsZero() {
		return job.Window.Start
	}
	return f.clock.Now()
}

// LabourFee implements dispatch.LabourFees; ok false falls back to the outlet's rate.
func (f feeLabour) LabourFee(c dispatch.Candidate, job dispatch.Job) (int64, bool) {
	outlet := ""
	if c.Kind == dispatch.CandidateOutlet {
		outlet = c.ID
	}
	return f.fees.LabourFee(outlet, job.ServiceType, job.Category, job.Region, f.at(job))
}

// MinLabourFee implements dispatch.LabourFloor: the engine's early stop needs a floor.
func (f feeLabour) MinLabourFee(job dispatch.Job) int64 {
	fee, ok := f.fees.MinLabourFee(job.ServiceType, job.Category, job.Region, f.at(job))
	if !ok {
		return 0
	}
	return fee
}
