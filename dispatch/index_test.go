package dispatch

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRingBoundNeverExceedsTheTrueDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, cs := range []float64{0.03, 0.1, 0.5} {
		ix := &Index{cellDeg: cs}
		for range 200_000 {
			lat, lon := -70+140*r.Float64(), -170+340*r.Float64()
			plat, plon := lat+(r.Float64()-0.5)*6, lon+(r.Float64()-0.5)*6
			i, j := ix.cellOf(lat, lon)
			pi, pj := ix.cellOf(plat, plon)
			ring := max(abs32(pi-i), abs32(pj-j))
			bound := ix.ringMinKm(pointOf(lat, lon), lat, lon, i, j, int(ring))
			d := distanceKm(pointOf(plat, plon), pointOf(lat, lon))
			require.LessOrEqual(t, bound, d, "cell %g: job %v,%v point %v,%v ring %d", cs, lat, lon, plat, plon, ring)
		}
	}
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func TestIndexBuildCompilesCandidatesFromTheNetwork(t *testing.T) {
	team := testOutlet("OUT-TEAM", 0, func(o *Outlet) { o.Kind = KindInHouse; o.ServiceRadiusKm = 30 })
	partner := testOutlet("OUT-P", 5)
	n := Network{Outlets: []Outlet{team, partner}, Technicians: []Technician{
		testTech("TEC-1", "OUT-TEAM", 1),
		testTech("TEC-2", "OUT-TEAM", 2, func(x *Technician) { x.ServiceRadiusKm = 12 }),
		testTech("TEC-3", "OUT-P", 2),
		testTech("TEC-4", "OUT-GONE", 2),
	}, Warehouses: []Warehouse{{ID: "WH-1", Active: true}}}
	ix := BuildIndex(n, 3, monday9)

	assert.Equal(t, IndexStats{NetworkVersion: 3, BuiltAt: monday9, Warehouses: 1, Outlets: 2, Technicians: 4,
		Candidates: 3, Cells: len(ix.cells), Skipped: 1}, ix.Stats())
	radius := map[string]float64{}
	for _, c := range ix.cands {
		radius[c.id] = c.radiusKm
	}
	assert.Equal(t, map[string]float64{"OUT-P": 50, "TEC-1": 30, "TEC-2": 12}, radius,
		"technicians inherit their team's radius unless they have their own")
	assert.Equal(t, int64(8000), ix.minLabour)
	assert.Equal(t, float64(50), ix.maxRadius)
}

func TestFirstWorkingFindsTheEarliestOpenMomentInTheWindow(t *testing.T) {
	loc := shanghai(t)
	h := compileHours(WeekHours{"mon": {Open: "10:00", Close: "12:00"}, "wed": {Open: "08:00", Close: "18:00"}})
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 3, day, hh, mm, 0, 0, loc) } // 2 March is a Monday
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     time.Time
		ok       bool
	}{
		{"before opening", at(2, 8, 0), at(2, 11, 0), at(2, 10, 0), true},
		{"while open", at(2, 10, 30), at(2, 11, 0), at(2, 10, 30), true},
		{"window after closing", at(2, 12, 0), at(2, 14, 0), time.Time{}, false},
		{"day off then next working day", at(3, 9, 0), at(4, 23, 0), at(4, 8, 0), true},
		{"window ends at opening", at(2, 9, 0), at(2, 10, 0), time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := h.firstWorking(tc.from, tc.to, loc)
			assert.Equal(t, tc.ok, ok)
			assert.True(t, tc.want.Equal(got), "got %v", got)
		})
	}
}
