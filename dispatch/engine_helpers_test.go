package dispatch

import (
	"time"
)

// monday9 is a Monday 09:00 in Shanghai.
var monday9 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// People's Square, Shanghai: where the test jobs are.
const jobLat, jobLon = 31.2304, 121.4737

// north moves a point km kilometres north of the test job.
func north(km float64) (float64, float64) { return jobLat + km/111.195, jobLon }

func testOutlet(id string, km float64, mods ...func(*Outlet)) Outlet {
	lat, lon := north(km)
	o := Outlet{ID: id, Name: "Outlet " + id, Kind: KindOutsourced, Lat: lat, Lon: lon, ServiceRadiusKm: 50,
		Categories: []string{"ac"}, Brands: []string{"gree"}, Skills: []string{"ac_repair"}, CapacityPerDay: 10,
		WorkingHours: DefaultHours(), TimeZone: DefaultTimeZone, LabourRate: 8000, TravelRatePerKm: 200,
		QualityScore: 80}
	for _, m := range mods {
		m(&o)
	}
	return o
}

func testTech(id, outletID string, km float64, mods ...func(*Technician)) Technician {
	lat, lon := north(km)
	t := Technician{ID: id, OutletID: outletID, Name: "Tech " + id, Phone: "13800000000", Skills: []string{"ac_repair"},
		Lat: lat, Lon: lon, DailyCapacity: 5, QualityScore: 80, Active: true, InHouse: true}
	for _, m := range mods {
		m(&t)
	}
	return t
}

func testJob(mods ...func(*Job)) Job {
	j := Job{Category: "ac", Brand: "gree", Skills: []string{"ac_repair"}, Lat: jobLat, Lon: jobLon,
		Priority: PriorityNormal}
	j.Window.Start, j.Window.End = monday9, monday9.Add(3*time.Hour)
	for _, m := range mods {
		m(&j)
	}
	return j
}

func engineFor(n Network, load LoadSource) *Engine {
	e := NewEngine(EngineConfig{}, nil, load)
	e.Use(BuildIndex(n, 1, monday9))
	return e
}

func idsOf(top []Scored) []string {
	out := make([]string, len(top))
	for i, s := range top {
		out[i] = s.ID
	}
	return out
}
