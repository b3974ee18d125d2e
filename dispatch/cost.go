package dispatch

import (
	"math"
	"strconv"
	"time"
)

// EngineConfig holds every factor of the cost model (DESIGN §6). Money is in minor
// units (fen) of Currency. Zero fields take the defaults of DefaultEngineConfig.
type EngineConfig struct {
	RoadFactor float64 // road km per straight-line km; default 1.3
	SpeedKmh   float64 // average travel speed over road km; default 40 (urban)
	// SLALateFixed is added once when the earliest arrival passes the job's resolve-by
	// time, and SLALatePerHour for every hour (pro rata per minute) it is late; both are
	// scaled by the priority's weight. Defaults 500.00 and 200.00: missing an SLA costs
	// more than any plausible saving on labour or travel.
	SLALateFixed   int64
	SLALatePerHour int64
	// PriorityWeight is the SLA penalty's weight per job priority in percent; defaults
	// low 100, normal 100, high 200, urgent 400.
	PriorityWeight map[string]int64
	QualityFactor  int64 // per scorecard point below 100; default 1.00
	LoadFactor     int64 // at a fully booked day, pro rata below; default 30.00
	TopK           int   // candidates kept with their breakdown; default 5
	// OpenWindow is how far ahead an "as soon as possible" job (no window) may be
	// served; default 48h.
	OpenWindow time.Duration
	Currency   string // default CNY
}

// DefaultEngineConfig returns the documented defaults.
func DefaultEngineConfig() EngineConfig {
	return EngineConfig{RoadFactor: 1.3, SpeedKmh: 40, SLALateFixed: 50000, SLALatePerHour: 20000,
		PriorityWeight: map[string]int64{PriorityLow: 100, PriorityNormal: 100, PriorityHigh: 200, PriorityUrgent: 400},
		QualityFactor:  100, LoadFactor: 3000, TopK: 5, OpenWindow: 48 * time.Hour, Currency: "CNY"}
}

// withDefaults fills zero fields from DefaultEngineConfig.
func (c EngineConfig) withDefaults() EngineConfig {
	d := DefaultEngineConfig()
	if c.RoadFactor <= 0 {
		c.RoadFactor = d.RoadFactor
	}
	if c.SpeedKmh <= 0 {
		c.SpeedKmh = d.SpeedKmh
	}
	if c.SLALateFixed <= 0 {
		c.SLALateFixed = d.SLALateFixed
	}
	if c.SLALatePerHour <= 0 {
		c.SLALatePerHour = d.SLALatePerHour
	}
	if c.PriorityWeight == nil {
		c.PriorityWeight = d.PriorityWeight
	}
	if c.QualityFactor <= 0 {
		c.QualityFactor = d.QualityFactor
	}
	if c.LoadFactor <= 0 {
		c.LoadFactor = d.LoadFactor
	}
	if c.TopK <= 0 {
		c.TopK = d.TopK
	}
	if c.OpenWindow <= 0 {
		c.OpenWindow = d.OpenWindow
	}
	if c.Currency == "" {
		c.Currency = d.Currency
	}
	return c
}

// Breakdown is a candidate's cost in minor units; Total is the sum of the others.
type Breakdown struct {
	Labour  int64 `json:"labour"`
	Travel  int64 `json:"travel"`
	SLARisk int64 `json:"sla_risk"`
	Quality int64 `json:"quality"`
	Load    int64 `json:"load"`
	Total   int64 `json:"total"`
}

// Candidate names who a labour fee is asked for.
type Candidate struct {
	Kind     string // CandidateOutlet or CandidateTechnician
	ID       string
	OutletID string
}

// LabourFees prices the labour of a job for a candidate from its fee schedule; the fees
// package implements it. ok false falls back to the outlet's configured labour rate.
type LabourFees interface {
	LabourFee(c Candidate, job Job) (fee int64, ok bool)
}

// LabourFloor may also be implemented by a LabourFees: the lowest fee it can return for
// job. The engine's search stops early only on a lower bound of every further
// candidate's cost, so without a floor it has to assume labour may be free.
type LabourFloor interface {
	MinLabourFee(job Job) int64
}

func (c *EngineConfig) travelCost(km float64, ratePerKm int64) int64 {
	return int64(math.Round(km * c.RoadFactor * float64(ratePerKm)))
}

// arrival is when a candidate starting at start reaches a job km away (straight line),
// in UTC to the second. It never decreases as start or km grow, which the search's lower
// bound relies on.
func (c *EngineConfig) arrival(start time.Time, km float64) time.Time {
	travel := time.Duration(km * c.RoadFactor / c.SpeedKmh * float64(time.Hour))
	return start.Add(travel).UTC().Truncate(time.Second)
}

// slaRisk is the penalty of arriving at eta for a job due at resolveBy. It never
// decreases as eta moves later, which the search's lower bound relies on.
func (c *EngineConfig) slaRisk(eta, resolveBy time.Time, priority string) int64 {
	if resolveBy.IsZero() || !eta.After(resolveBy) {
		return 0
	}
	lateMin := int64(math.Ceil(eta.Sub(resolveBy).Minutes()))
	w, ok := c.PriorityWeight[priority]
	if !ok {
		w = 100
	}
	return (c.SLALateFixed + lateMin*c.SLALatePerHour/60) * w / 100
}

func (c *EngineConfig) qualityPenalty(score int) int64 { return int64(100-score) * c.QualityFactor }

func (c *EngineConfig) loadTerm(open, capacity int) int64 {
	if capacity <= 0 {
		return 0
	}
	return int64(open) * c.LoadFactor / int64(capacity)
}

// appendMoney appends minor units as 12.40.
func appendMoney(b []byte, v int64) []byte {
	if v < 0 {
		b, v = append(b, '-'), -v
	}
	b = strconv.AppendInt(b, v/100, 10)
	b = append(b, '.', byte('0'+v%100/10), byte('0'+v%10))
	return b
}

func (b Breakdown) appendTerms(out []byte) []byte {
	for i, t := range [5]struct {
		name string
		v    int64
	}{{"labour ", b.Labour}, {"travel ", b.Travel}, {"SLA risk ", b.SLARisk}, {"quality ", b.Quality}, {"load ", b.Load}} {
		if i > 0 {
			out = append(out, " + "...)
		}
		out = appendMoney(append(out, t.name...), t.v)
	}
	return out
}

// why explains s's place among the top candidates, best first, e.g. "cheapest total
// 139.00: labour 80.00 + travel 39.00 + SLA risk 0.00 + quality 20.00 + load 0.00;
// 15.0 km away, earliest arrival Mar 2 10:29, meets the resolve-by time".
func why(s Scored, best Scored, rank int, job Job, loc *time.Location) string {
	b := make([]byte, 0, 256)
	if rank == 0 {
		b = append(b, "cheapest total "...)
	} else {
		b = append(b, "total "...)
	}
	b = appendMoney(b, s.Cost.Total)
	if rank > 0 {
		b = appendMoney(append(b, ", "...), s.Cost.Total-best.Cost.Total)
		b = append(append(b, " more than "...), best.ID...)
	}
	b = s.Cost.appendTerms(append(b, ": "...))
	b = strconv.AppendFloat(append(b, "; "...), s.DistanceKm, 'f', 1, 64)
	b = s.ETA.In(loc).AppendFormat(append(b, " km away, earliest arrival "...), "Jan 2 15:04")
	switch {
	case job.ResolveBy.IsZero():
	case s.ETA.After(job.ResolveBy):
		b = append(append(b, ", "...), s.ETA.Sub(job.ResolveBy).Round(time.Minute).String()...)
		b = append(b, " after the resolve-by time"...)
	default:
		b = append(b, ", meets the resolve-by time"...)
	}
	return string(b)
}
