package mobileapi

import (
	"fmt"
	"math"
	"time"
)

const earthRadiusM = 6371008.8

// distanceM is the great-circle distance between two points in metres (haversine).
func distanceM(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
}

// coordKey rounds a position to 1e-6 degrees (about 0.1 m): two check-ins with the
// same key at different sites were almost certainly replayed, not measured.
func coordKey(lat, lon float64) string { return fmt.Sprintf("%.6f,%.6f", lat, lon) }

// previous is the technician's last event before this one, for the travel rule.
type previous struct {
	At       time.Time
	Lat, Lon float64
}

// judgement is what the rules say of one event.
type judgement struct {
	flags   []string
	metrics Metrics
}

func (j *judgement) flag(f string) { j.flags = append(j.flags, f) }

func round(v float64, places int) *float64 {
	p := math.Pow(10, float64(places))
	r := math.Round(v*p) / p
	return &r
}

// judgePosition applies the geofence and accuracy rules. A site without a location
// cannot be judged, so it raises nothing. The distance is kept for every event, but
// only a check-in or check-out claims to be at the site: a technician leaving for it
// (en route) is away from it by definition, and flagging that would bury the real flags.
func (c Config) judgePosition(j *judgement, typ string, lat, lon, accuracy float64, site *position) {
	if accuracy > c.MaxAccuracyM {
		j.flag(FlagPoorAccuracy)
	}
	if site == nil {
		return
	}
	d := distanceM(lat, lon, site.Lat, site.Lon)
	j.metrics.DistanceM = round(d, 1)
	if d > c.GeofenceM && typ != EventEnRoute {
		j.flag(FlagOutsideGeofence)
	}
}

// judgeSkew flags a device clock more than MaxSkew away from the server's.
func (c Config) judgeSkew(j *judgement, skew time.Duration) {
	j.metrics.SkewS = round(skew.Seconds(), 1)
	if skew > c.MaxSkew || skew < -c.MaxSkew {
		j.flag(FlagClockSkew)
	}
}

// judgeTravel flags a speed since the previous event above MaxSpeedKmh. Movements
// within the two fixes' combined uncertainty (taken as 2 × the accuracy limit) are
// noise, not travel; a jump beyond it with no time between is infinitely fast.
func (c Config) judgeTravel(j *judgement, prev *previous, at time.Time, lat, lon float64) {
	if prev == nil {
		return
	}
	d := distanceM(prev.Lat, prev.Lon, lat, lon)
	if d <= 2*c.MaxAccuracyM {
		return
	}
	hours := at.Sub(prev.At).Hours()
	speed := math.Inf(1)
	if hours > 0 {
		speed = d / 1000 / hours
	}
	if math.IsInf(speed, 1) {
		j.metrics.SpeedKmh = round(99999, 0)
	} else {
		j.metrics.SpeedKmh = round(speed, 1)
	}
	if speed > c.MaxSpeedKmh {
		j.flag(FlagImpossibleTravel)
	}
}

// judgeStay flags a check-out less than MinOnSite after the check-in.
func (c Config) judgeStay(j *judgement, checkIn, checkOut time.Time) {
	stay := checkOut.Sub(checkIn)
	j.metrics.OnSiteMin = round(stay.Minutes(), 1)
	if stay < c.MinOnSite {
		j.flag(FlagShortVisit)
	}
}

// position is a point on the map.
type position struct{ Lat, Lon float64 }
