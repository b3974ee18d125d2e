package dispatch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	propSkills = []string{"ac_install", "ac_repair", "washer_repair", "fridge_repair", "tv_repair", "gas"}
	propCats   = []string{"ac", "washer", "fridge", "tv"}
	propBrands = []string{"gree", "midea", "haier", "hisense"}
	propCities = [][2]float64{{31.23, 121.47}, {31.30, 120.58}, {30.27, 120.15}, {32.06, 118.80}, {31.82, 117.23}}
)

func pick(r *rand.Rand, from []string, n int) []string {
	out := slices.Clone(from)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:n]
}

func propPlace(r *rand.Rand) (float64, float64) {
	if r.IntN(10) == 0 { // scattered
		return 29 + 4*r.Float64(), 116 + 6*r.Float64()
	}
	c := propCities[r.IntN(len(propCities))]
	return c[0] + r.NormFloat64()*0.15, c[1] + r.NormFloat64()*0.15
}

func propHours(r *rand.Rand) WeekHours {
	h := WeekHours{}
	for _, k := range weekdayKeys {
		if r.IntN(5) > 0 {
			open := 6 + r.IntN(6)
			h[k] = Span{Open: fmt.Sprintf("%02d:00", open), Close: fmt.Sprintf("%02d:30", open+4+r.IntN(8))}
		}
	}
	return h
}

func propOutlet(r *rand.Rand, id string, kind string) Outlet {
	lat, lon := propPlace(r)
	brands := pick(r, propBrands, 1+r.IntN(3))
	if r.IntN(6) == 0 {
		brands = []string{AnyBrand}
	}
	return Outlet{ID: id, Name: id, Kind: kind, Lat: lat, Lon: lon, ServiceRadiusKm: 5 + 75*r.Float64(),
		Categories: pick(r, propCats, 1+r.IntN(3)), Brands: brands, Skills: pick(r, propSkills, r.IntN(3)),
		CapacityPerDay: 1 + r.IntN(8), WorkingHours: propHours(r), TimeZone: DefaultTimeZone,
		LabourRate: int64(3000 + r.IntN(17000)), TravelRatePerKm: int64(50 + r.IntN(350)),
		QualityScore: 40 + r.IntN(61), Suspended: r.IntN(20) == 0}
}

// propNetwork is 2,000 candidates: outsourced outlets and in-house technicians of 20 teams.
func propNetwork(r *rand.Rand) (Network, Loads) {
	var n Network
	for i := range 60 {
		n.Outlets = append(n.Outlets, propOutlet(r, fmt.Sprintf("OUT-X%03d", i), KindOutsourced))
	}
	for i := range 20 {
		n.Outlets = append(n.Outlets, propOutlet(r, fmt.Sprintf("OUT-T%03d", i), KindInHouse))
	}
	loads := Loads{}
	for i := range 1940 {
		o := n.Outlets[60+r.IntN(20)]
		if r.IntN(8) == 0 {
			o = n.Outlets[r.IntN(60)] // an outsourced outlet's technician: adds skills only
		}
		lat, lon := propPlace(r)
		t := Technician{ID: fmt.Sprintf("TEC-%04d", i), OutletID: o.ID, Name: "t", Skills: pick(r, propSkills, 1+r.IntN(3)),
			Lat: lat, Lon: lon, DailyCapacity: 1 + r.IntN(6), QualityScore: 40 + r.IntN(61), Active: r.IntN(20) > 0}
		if r.IntN(3) == 0 {
			t.ServiceRadiusKm = 5 + 60*r.Float64()
		}
		if r.IntN(4) == 0 {
			t.WorkingHours = propHours(r)
		}
		n.Technicians = append(n.Technicians, t)
		if r.IntN(5) == 0 {
			loads[t.ID] = map[Day]int{20260302: r.IntN(4), 20260303: r.IntN(4)}
		}
	}
	return n, loads
}

func propJob(r *rand.Rand, now time.Time) Job {
	lat, lon := propPlace(r)
	j := Job{Category: propCats[r.IntN(len(propCats))], Brand: propBrands[r.IntN(len(propBrands))],
		Skills: pick(r, propSkills, r.IntN(3)), Lat: lat, Lon: lon, Priority: Priorities()[r.IntN(4)]}
	if r.IntN(3) > 0 {
		j.Window.Start = now.Add(time.Duration(r.IntN(30)) * time.Hour)
		j.Window.End = j.Window.Start.Add(time.Duration(1+r.IntN(6)) * time.Hour)
	}
	if r.IntN(2) == 0 {
		j.ResolveBy = now.Add(time.Duration(10+r.IntN(600)) * time.Minute)
	}
	return j
}

// bruteForce scores every candidate in the index and sorts them: the answer the ring
// search must reproduce.
func bruteForce(e *Engine, job Job, exclude []string, now time.Time) []Scored {
	ix := e.Index()
	q := e.newQuery(ix, job, exclude, now)
	var all []Scored
	for k := range ix.cands {
		if s, f := q.evaluate(int32(k)); f == eligible {
			all = append(all, s)
		}
	}
	slices.SortFunc(all, func(a, b Scored) int {
		if less(&a, &b) {
			return -1
		}
		return 1
	})
	return all[:min(len(all), e.cfg.TopK)]
}

type floorFees struct{ fixedFees }

func (floorFees) MinLabourFee(Job) int64 { return 2500 }

func TestEngineRingSearchEqualsBruteForceOnRandomNetworks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cellDeg float64
		topK    int
		fees    LabourFees
	}{
		{"default cells, top 5", defaultCellDeg, 5, nil},
		{"fine cells, top 1", 0.03, 1, nil},
		{"coarse cells, top 3", 0.5, 3, nil},
		{"fee schedule with a floor", defaultCellDeg, 5, floorFees{fixedFees{}}},
		{"fee schedule without a floor", 0.05, 2, fixedFees{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(42, uint64(len(tc.name))))
			n, loads := propNetwork(r)
			if ff, ok := tc.fees.(floorFees); ok {
				for i := 0; i < 400; i++ {
					ff.fixedFees[n.Technicians[i].ID] = int64(2500 + r.IntN(20000))
				}
			}
			e := NewEngine(EngineConfig{TopK: tc.topK}, tc.fees, loads)
			e.Use(buildIndex(n, 7, monday9, tc.cellDeg))
			require.Greater(t, e.Index().Stats().Candidates, 1700)
			chosen, examined := 0, 0
			for i := range 200 {
				now := monday9.Add(time.Duration(r.IntN(600)) * time.Minute)
				job := propJob(r, now)
				var exclude []string
				for range r.IntN(3) {
					exclude = append(exclude, n.Technicians[r.IntN(len(n.Technicians))].ID)
				}
				d := e.Decide(job, exclude, now)
				want := bruteForce(e, job, exclude, now)
				require.Equal(t, idsOf(want), idsOf(d.Top), "job %d: %+v", i, job)
				for k := range want {
					require.Equal(t, want[k].Cost, d.Top[k].Cost, "job %d rank %d", i, k)
				}
				if d.Chosen != nil {
					chosen++
				}
				examined += d.Examined
			}
			t.Logf("%d of 200 jobs found a candidate; %.0f candidates examined per decision", chosen, float64(examined)/200)
			assert.Greater(t, chosen, 100, "most random jobs should find someone, or the test proves little")
			if tc.fees == nil && tc.cellDeg == defaultCellDeg {
				assert.Less(t, examined, 200*2000/4, "the search should stop well before scanning everyone")
			}
		})
	}
}
