package main

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
)

//go:embed data/cn-cities.csv
var citiesCSV []byte

// city is one row of data/cn-cities.csv.
type city struct {
	Name       string
	Population int64
	Lat, Lon   float64
}

// cityPicker draws cities with probability proportional to their population, so load
// lands where people live: most customers and outlets in the large cities.
type cityPicker struct {
	cities []city
	cum    []int64 // cum[i] = population of cities[0..i]
}

func loadCities() (*cityPicker, error) {
	rows, err := csv.NewReader(bytes.NewReader(citiesCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("cities csv: %w", err)
	}
	p := &cityPicker{}
	var total int64
	for i, r := range rows[1:] {
		if len(r) < 5 {
			return nil, fmt.Errorf("cities csv row %d: %d columns", i+2, len(r))
		}
		pop, err1 := strconv.ParseInt(r[2], 10, 64)
		lat, err2 := strconv.ParseFloat(r[3], 64)
		lon, err3 := strconv.ParseFloat(r[4], 64)
		if err1 != nil || err2 != nil || err3 != nil || pop < 0 {
			return nil, fmt.Errorf("cities csv row %d: bad number", i+2)
		}
		if pop == 0 { // GeoNames has no count for some places: they can never be drawn
			continue
		}
		total += pop
		p.cities = append(p.cities, city{Name: r[1], Population: pop, Lat: lat, Lon: lon})
		p.cum = append(p.cum, total)
	}
	if total == 0 {
		return nil, fmt.Errorf("cities csv: no cities")
	}
	return p, nil
}

// pick returns a city drawn by population.
func (p *cityPicker) pick(r *rand.Rand) city {
	n := r.Int64N(p.cum[len(p.cum)-1])
	return p.cities[sort.Search(len(p.cum), func(i int) bool { return p.cum[i] > n })]
}

// near returns a point within km of c, uniformly over the disc.
func near(r *rand.Rand, c city, km float64) (lat, lon float64) {
	d := km * math.Sqrt(r.Float64())
	theta := 2 * math.Pi * r.Float64()
	lat = c.Lat + d*math.Cos(theta)/111.0
	lon = c.Lon + d*math.Sin(theta)/(111.0*math.Cos(c.Lat*math.Pi/180))
	return math.Round(lat*1e5) / 1e5, math.Round(lon*1e5) / 1e5
}
