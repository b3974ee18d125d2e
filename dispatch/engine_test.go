package dispatch

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnginePicksFartherCheaperOutletOverNearestDearerOne(t *testing.T) {
	near := testOutlet("OUT-NEAR", 2, func(o *Outlet) { o.LabourRate = 20000 })
	far := testOutlet("OUT-FAR", 15)
	e := engineFor(Network{Outlets: []Outlet{near, far}}, nil)

	d := e.Decide(testJob(), nil, monday9)

	require.NotNil(t, d.Chosen, d.Reason)
	assert.Equal(t, "OUT-FAR", d.Chosen.ID)
	assert.Equal(t, []string{"OUT-FAR", "OUT-NEAR"}, idsOf(d.Top))
	// 15 km × 1.3 × 2.00/km = 39.00 travel; quality (100-80) × 1.00 = 20.00.
	assert.Equal(t, Breakdown{Labour: 8000, Travel: 3900, Quality: 2000, Total: 13900}, d.Chosen.Cost)
	assert.Equal(t, Breakdown{Labour: 20000, Travel: 520, Quality: 2000, Total: 22520}, d.Top[1].Cost)
	assert.Contains(t, d.Chosen.Why, "cheapest total 139.00: labour 80.00 + travel 39.00 + SLA risk 0.00 + quality 20.00 + load 0.00")
	assert.Contains(t, d.Top[1].Why, "total 225.20, 86.20 more than OUT-FAR")
	assert.Equal(t, "cheapest of 2 eligible candidates", d.Reason)
	assert.Equal(t, int64(1), d.NetworkVersion)
	assert.Equal(t, "CNY", d.Currency)
}

func TestEnginePicksNearerOutletWhenOnlyItMeetsTheSLA(t *testing.T) {
	near := testOutlet("OUT-NEAR", 2, func(o *Outlet) { o.LabourRate = 20000 })
	far := testOutlet("OUT-FAR", 15)
	e := engineFor(Network{Outlets: []Outlet{near, far}}, nil)
	// Travel at 40 km/h over road km: 2 km → 3.9 min, 15 km → 29.25 min.
	job := testJob(func(j *Job) { j.ResolveBy = monday9.Add(20 * time.Minute) })

	d := e.Decide(job, nil, monday9)

	require.NotNil(t, d.Chosen, d.Reason)
	assert.Equal(t, "OUT-NEAR", d.Chosen.ID)
	assert.Zero(t, d.Chosen.Cost.SLARisk)
	assert.Contains(t, d.Chosen.Why, "meets the resolve-by time")
	late := d.Top[1]
	assert.Equal(t, "OUT-FAR", late.ID)
	// 500.00 for missing it, plus 10 started minutes late × 200.00/h.
	assert.Equal(t, int64(50000+10*20000/60), late.Cost.SLARisk)
	assert.Contains(t, late.Why, "9m0s after the resolve-by time")
}

func TestEngineSLAPenaltyGrowsWithPriority(t *testing.T) {
	e := engineFor(Network{Outlets: []Outlet{testOutlet("OUT-FAR", 15)}}, nil)
	risk := func(p string) int64 {
		d := e.Decide(testJob(func(j *Job) { j.ResolveBy, j.Priority = monday9.Add(20*time.Minute), p }), nil, monday9)
		require.NotNil(t, d.Chosen)
		return d.Chosen.Cost.SLARisk
	}
	assert.Equal(t, risk(PriorityNormal)*2, risk(PriorityHigh))
	assert.Equal(t, risk(PriorityNormal)*4, risk(PriorityUrgent))
}

func TestEngineFiltersNameWhatRuledEachCandidateOut(t *testing.T) {
	inHouse := func(mods ...func(*Technician)) Network {
		team := testOutlet("OUT-TEAM", 0, func(o *Outlet) { o.Kind = KindInHouse })
		return Network{Outlets: []Outlet{team}, Technicians: []Technician{testTech("TEC-1", "OUT-TEAM", 3, mods...)}}
	}
	outsourced := func(mods ...func(*Outlet)) Network {
		return Network{Outlets: []Outlet{testOutlet("OUT-1", 3, mods...)}}
	}
	full := Loads{"TEC-1": {DayOf(monday9, shanghai(t)): 5}}
	for _, tc := range []struct {
		name    string
		network Network
		load    LoadSource
		exclude []string
		reason  string
	}{
		{"skill", inHouse(func(x *Technician) { x.Skills = []string{"washer_repair"} }), nil, nil, "1 no skill 'ac_repair'"},
		{"outlet skill", outsourced(func(o *Outlet) { o.Skills = nil }), nil, nil, "1 no skill 'ac_repair'"},
		{"category", outsourced(func(o *Outlet) { o.Categories = []string{"tv"} }), nil, nil, "1 not authorised for category 'ac'"},
		{"brand", outsourced(func(o *Outlet) { o.Brands = []string{"midea"} }), nil, nil, "1 not authorised for brand 'gree'"},
		{"radius", outsourced(func(o *Outlet) { o.ServiceRadiusKm = 2 }), nil, nil, "1 outside radius"},
		{"technician radius", inHouse(func(x *Technician) { x.ServiceRadiusKm = 2.5 }), nil, nil, "1 outside radius"},
		{"capacity", inHouse(), full, nil, "1 fully booked that day"},
		{"hours", inHouse(func(x *Technician) { x.WorkingHours = WeekHours{"mon": {Open: "13:00", Close: "18:00"}} }),
			nil, nil, "1 not working in the window"},
		{"suspended", outsourced(func(o *Outlet) { o.Suspended = true }), nil, nil, "1 suspended"},
		{"inactive", inHouse(func(x *Technician) { x.Active = false }), nil, nil, "1 inactive"},
		{"excluded", inHouse(), nil, []string{"TEC-1"}, "1 already declined or let an offer expire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := engineFor(tc.network, tc.load).Decide(testJob(), tc.exclude, monday9)
			assert.Nil(t, d.Chosen)
			assert.True(t, d.NeedsDispatcher())
			assert.Equal(t, "no eligible candidate: "+tc.reason, d.Reason)
		})
	}
	t.Run("control: the same networks unmodified are eligible", func(t *testing.T) {
		assert.NotNil(t, engineFor(inHouse(), nil).Decide(testJob(), nil, monday9).Chosen)
		assert.NotNil(t, engineFor(outsourced(), nil).Decide(testJob(), nil, monday9).Chosen)
	})
}

func TestEngineReasonCountsEveryFilter(t *testing.T) {
	n := Network{Outlets: []Outlet{
		testOutlet("OUT-A", 3, func(o *Outlet) { o.ServiceRadiusKm = 1 }),
		testOutlet("OUT-B", 4, func(o *Outlet) { o.ServiceRadiusKm = 1 }),
		testOutlet("OUT-C", 5, func(o *Outlet) { o.Skills = []string{"tv_repair"} }),
		testOutlet("OUT-D", 6, func(o *Outlet) { o.Suspended = true }),
	}}
	d := engineFor(n, nil).Decide(testJob(), nil, monday9)
	assert.Equal(t, "no eligible candidate: 1 suspended, 2 outside radius, 1 no skill 'ac_repair'", d.Reason)
}

func TestEngineWithNobodyNearbyEscalatesWithReason(t *testing.T) {
	beijing := testOutlet("OUT-BJ", 0, func(o *Outlet) { o.Lat, o.Lon = 39.9075, 116.39723 })
	for name, n := range map[string]Network{"empty network": {}, "only far away": {Outlets: []Outlet{beijing}}} {
		t.Run(name, func(t *testing.T) {
			d := engineFor(n, nil).Decide(testJob(), nil, monday9)
			assert.Nil(t, d.Chosen)
			assert.True(t, d.NeedsDispatcher())
			assert.NotEmpty(t, d.Reason)
			assert.Contains(t, d.Reason, "no eligible candidate")
			assert.Empty(t, d.Top)
		})
	}
}

func TestEngineHonoursExcludeList(t *testing.T) {
	n := Network{Outlets: []Outlet{testOutlet("OUT-1", 2), testOutlet("OUT-2", 4), testOutlet("OUT-3", 6)}}
	e := engineFor(n, nil)
	assert.Equal(t, "OUT-1", e.Decide(testJob(), nil, monday9).Chosen.ID)

	d := e.Decide(testJob(), []string{"OUT-1", "OUT-UNKNOWN"}, monday9)
	require.NotNil(t, d.Chosen)
	assert.Equal(t, "OUT-2", d.Chosen.ID)
	assert.Equal(t, []string{"OUT-2", "OUT-3"}, idsOf(d.Top))
	assert.Contains(t, d.Reason, "1 already declined or let an offer expire")
}

func TestEngineBreaksTiesById(t *testing.T) {
	n := Network{Outlets: []Outlet{testOutlet("OUT-B", 3), testOutlet("OUT-A", 3), testOutlet("OUT-C", 3)}}
	d := engineFor(n, nil).Decide(testJob(), nil, monday9)
	assert.Equal(t, []string{"OUT-A", "OUT-B", "OUT-C"}, idsOf(d.Top))
}

func TestEngineOffersInHouseTechniciansAndOutsourcedOutletsNotTheirTechnicians(t *testing.T) {
	team := testOutlet("OUT-TEAM", 0, func(o *Outlet) { o.Kind = KindInHouse })
	partner := testOutlet("OUT-PARTNER", 5, func(o *Outlet) { o.Skills = nil })
	n := Network{Outlets: []Outlet{team, partner}, Technicians: []Technician{
		testTech("TEC-IN", "OUT-TEAM", 1),
		testTech("TEC-PARTNER", "OUT-PARTNER", 1, func(x *Technician) { x.InHouse = false }),
	}}
	d := engineFor(n, nil).Decide(testJob(), nil, monday9)
	assert.ElementsMatch(t, []string{"TEC-IN", "OUT-PARTNER"}, idsOf(d.Top),
		"the partner qualifies through its technician's skill; its technician is not offered directly")
	for _, s := range d.Top {
		if s.ID == "TEC-IN" {
			assert.Equal(t, CandidateTechnician, s.Kind)
			assert.Equal(t, "OUT-TEAM", s.OutletID)
		}
	}

	n.Technicians[1].Active = false
	d = engineFor(n, nil).Decide(testJob(), nil, monday9)
	assert.Equal(t, []string{"TEC-IN"}, idsOf(d.Top), "an inactive technician's skills do not count for its outlet")
}

func TestEngineLoadTermAndETA(t *testing.T) {
	team := testOutlet("OUT-TEAM", 0, func(o *Outlet) { o.Kind = KindInHouse })
	n := Network{Outlets: []Outlet{team}, Technicians: []Technician{
		testTech("TEC-1", "OUT-TEAM", 4, func(x *Technician) {
			x.WorkingHours = WeekHours{"mon": {Open: "10:00", Close: "18:00"}}
		}),
	}}
	load := Loads{"TEC-1": {DayOf(monday9, shanghai(t)): 2}}
	d := engineFor(n, load).Decide(testJob(), nil, monday9)
	require.NotNil(t, d.Chosen, d.Reason)
	assert.Equal(t, int64(2*3000/5), d.Chosen.Cost.Load, "2 of 5 jobs booked")
	// Starts at 10:00 Shanghai (02:00 UTC), then 4 km × 1.3 at 40 km/h = 7.8 min.
	assert.Equal(t, monday9.Add(time.Hour+7*time.Minute+48*time.Second), d.Chosen.ETA)
}

type fixedFees map[string]int64

func (f fixedFees) LabourFee(c Candidate, _ Job) (int64, bool) {
	v, ok := f[c.ID]
	return v, ok
}

func TestEngineUsesLabourFeesWhenGiven(t *testing.T) {
	n := Network{Outlets: []Outlet{testOutlet("OUT-1", 2), testOutlet("OUT-2", 4)}}
	e := NewEngine(EngineConfig{}, fixedFees{"OUT-1": 30000}, nil)
	e.Use(BuildIndex(n, 1, monday9))
	d := e.Decide(testJob(), nil, monday9)
	require.NotNil(t, d.Chosen)
	assert.Equal(t, "OUT-2", d.Chosen.ID, "the schedule makes OUT-1 dearer")
	assert.Equal(t, int64(30000), d.Top[1].Cost.Labour)
	assert.Equal(t, int64(8000), d.Chosen.Cost.Labour, "no fee: the outlet's labour rate")
}

func shanghai(t testing.TB) *time.Location {
	loc, err := time.LoadLocation(DefaultTimeZone)
	require.NoError(t, err)
	return loc
}
