package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentilesAreNearestRankOverTheSortedSamples(t *testing.T) {
	var samples []time.Duration
	for i := 100; i >= 1; i-- {
		samples = append(samples, time.Duration(i)*time.Millisecond)
	}
	s := summarize(samples)
	assert.Equal(t, 100, s.Count)
	assert.Equal(t, 50.0, s.P50)
	assert.Equal(t, 95.0, s.P95)
	assert.Equal(t, 99.0, s.P99)
	assert.Equal(t, 100.0, s.Max)
	assert.Equal(t, Summary{}, summarize(nil), "no samples, no figures")
	assert.Equal(t, 7.0, summarize([]time.Duration{7 * time.Millisecond}).P99)
}

func TestMixIsTheRMAShareOfTheTotal(t *testing.T) {
	for in, want := range map[string]float64{"rma=0.4,service=0.6": 0.4, "rma=1,service=3": 0.25, "service=1": 0, "rma=2": 1} {
		got, err := parseMix(in)
		require.NoError(t, err, in)
		assert.InDelta(t, want, got, 1e-9, in)
	}
	for _, bad := range []string{"", "rma", "rma=x", "rma=-1", "repair=1", "rma=0,service=0"} {
		_, err := parseMix(bad)
		assert.Error(t, err, bad)
	}
}

func TestCitiesAreDrawnByPopulation(t *testing.T) {
	p, err := loadCities()
	require.NoError(t, err)
	assert.Greater(t, len(p.cities), 1000, "the places with a known population")
	rnd := rand.New(rand.NewPCG(1, 2))
	shanghai := 0
	const n = 20000
	for range n {
		if p.pick(rnd).Name == "Shanghai" {
			shanghai++
		}
	}
	share := float64(p.cities[0].Population) / float64(p.cum[len(p.cum)-1])
	assert.Equal(t, "Shanghai", p.cities[0].Name)
	assert.InDelta(t, share, float64(shanghai)/n, 0.02, "Shanghai is drawn about as often as its share of the population")
	lat, lon := near(rnd, p.cities[0], 10)
	assert.Less(t, haversineKm(lat, lon, p.cities[0].Lat, p.cities[0].Lon), 10.01)
}

func TestRunRefusesContradictoryFlags(t *testing.T) {
	env := func(string) string { return "" }
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-rate", "5", "-concurrency", "2", "-admin-password", "x"}, env, &out, &errOut)
	assert.ErrorContains(t, err, "exclude")
	err = run(context.Background(), []string{"-count", "1"}, env, &out, &errOut)
	assert.ErrorContains(t, err, "admin-password")
}

func TestFloorMeasuresInsertsUpdatesAndQueueRoundTrips(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-floor-only", "-floor-n", "20", "-json"}, func(string) string { return "" }, &out, &errOut)
	require.NoError(t, err, errOut.String())
	assert.Contains(t, out.String(), `"step": "floor: insert"`)
	assert.Contains(t, out.String(), `"step": "floor: conditional update"`)
	assert.Contains(t, out.String(), `"step": "floor: enqueue→handle"`)
}

func TestRatiosPairStepsWithTheirFloor(t *testing.T) {
	steps := []Summary{{Step: "create complaint", Count: 1, P50: 10, P99: 40, PerSec: 5}, {Step: "unknown", Count: 1, P50: 1}}
	floor := []Summary{{Step: floorInsert, Count: 1, P50: 2, P99: 4, PerSec: 500}}
	rs := ratios(steps, floor)
	require.Len(t, rs, 1)
	assert.Equal(t, ratio{Step: "create complaint", Floor: floorInsert, P50: 5, P99: 10, PerSec: 0.01}, rs[0])
}

func TestInHouseShareIsSpreadOverTheOutlets(t *testing.T) {
	count := func(n int, share float64) (k int) {
		for i := range n {
			if inHouse(i, share) {
				k++
			}
		}
		return k
	}
	assert.Equal(t, 1, count(6, 0.25))
	assert.Equal(t, 7, count(30, 0.25))
	assert.Equal(t, 0, count(30, 0))
	assert.Equal(t, 30, count(30, 1))
}

func TestSignaturesDifferPerFlowAndArePNG(t *testing.T) {
	a, b := signature(1), signature(2)
	assert.Equal(t, "\x89PNG", string(a[:4]))
	assert.NotEqual(t, a, b, "the same picture on two jobs would be flagged as reused")
}
