// Package mobileapi is the technicians' phone API under /mobile/v1: sign-in with device
// binding, their jobs, visit events judged against the site, photos and signature,
// completion and offline sync. It owns visit events, attendance, devices and photos, and
// moves service orders and parts only through the orders and parts services.
package mobileapi

import (
	"time"
)

// Visit event types a technician reports.
const (
	EventEnRoute  = "en_route"
	EventCheckIn  = "check_in"
	EventCheckOut = "check_out"
)

// EventTypes lists the visit event types.
func EventTypes() []string { return []string{EventEnRoute, EventCheckIn, EventCheckOut} }

// Flags a visit event or photo can carry. They never reject the event: supervisors and
// scorecards judge them.
const (
	FlagOutsideGeofence  = "outside_geofence"
	FlagPoorAccuracy     = "poor_accuracy"
	FlagClockSkew        = "clock_skew"
	FlagImpossibleTravel = "impossible_travel"
	FlagCoordinatesReuse = "coordinates_reused"
	FlagShortVisit       = "short_visit"
	FlagPhotoReused      = "photo_reused"
)

// Photo slots.
const (
	SlotBefore    = "before"
	SlotDuring    = "during"
	SlotAfter     = "after"
	SlotSignature = "signature"
)

// PhotoSlots lists the slots a job photo may fill.
func PhotoSlots() []string { return []string{SlotBefore, SlotDuring, SlotAfter} }

// Config holds the thresholds of the check-in rules and the upload limits; zero fields
// take the defaults of DESIGN §7.
type Config struct {
	GeofenceM         float64        // default 300 m from the site
	MaxAccuracyM      float64        // default 100 m
	MaxSkew           time.Duration  // default 5 min
	MaxSpeedKmh       float64        // default 150 km/h
	MinOnSite         time.Duration  // default 10 min
	MaxPhotoBytes     int64          // default 5 MiB
	SignatureOptional bool           // completion without the customer's signature; default: required
	Location          *time.Location // attendance days; default Asia/Shanghai
}

func (c Config) withDefaults() Config {
	if c.GeofenceM <= 0 {
		c.GeofenceM = 300
	}
	if c.MaxAccuracyM <= 0 {
		c.MaxAccuracyM = 100
	}
	if c.MaxSkew <= 0 {
		c.MaxSkew = 5 * time.Minute
	}
	if c.MaxSpeedKmh <= 0 {
		c.MaxSpeedKmh = 150
	}
	if c.MinOnSite <= 0 {
		c.MinOnSite = 10 * time.Minute
	}
	if c.MaxPhotoBytes <= 0 {
		c.MaxPhotoBytes = 5 << 20
	}
	if c.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			loc = time.FixedZone("CST", 8*3600)
		}
		c.Location = loc
	}
	return c
}

// Metrics are the numbers behind an event's flags.
type Metrics struct {
	DistanceM   *float64 `bson:"distance_m,omitempty" json:"distance_m,omitempty" doc:"from the job site"`
	SpeedKmh    *float64 `bson:"speed_kmh,omitempty" json:"speed_kmh,omitempty" doc:"since the technician's previous event"`
	SkewS       *float64 `bson:"skew_s,omitempty" json:"skew_s,omitempty" doc:"device clock minus server clock, seconds"`
	OnSiteMin   *float64 `bson:"on_site_min,omitempty" json:"on_site_min,omitempty" doc:"check-out only"`
	ReusedOrder string   `bson:"reused_order,omitempty" json:"reused_order,omitempty" doc:"the other job whose check-in had these coordinates"`
}

// VisitEvent is one en-route, check-in or check-out as stored: what the device said,
// the server's own time, and the flags the rules raised.
type VisitEvent struct {
	ID           string     `bson:"_id" json:"id"`
	Type         string     `bson:"type" json:"type"`
	OrderID      string     `bson:"order_id" json:"order_id"`
	TechnicianID string     `bson:"technician_id" json:"technician_id"`
	UserID       string     `bson:"user_id" json:"-"`
	DeviceID     string     `bson:"device_id" json:"device_id"`
	ServerTime   time.Time  `bson:"server_time" json:"server_time"`
	DeviceTime   *time.Time `bson:"device_time,omitempty" json:"device_time,omitempty"`
	At           time.Time  `bson:"at" json:"at" doc:"when it happened as the server judges: server time, or the device time corrected by the sync batch's clock offset"`
	Offline      bool       `bson:"offline" json:"offline" doc:"delivered later through sync"`
	Lat          float64    `bson:"lat" json:"lat"`
	Lon          float64    `bson:"lon" json:"lon"`
	AccuracyM    float64    `bson:"accuracy_m" json:"accuracy_m"`
	CoordKey     string     `bson:"coord_key" json:"-"`
	SiteKey      string     `bson:"site_key" json:"-"`
	PhotoID      string     `bson:"photo_id,omitempty" json:"photo_id,omitempty"`
	Flags        []string   `bson:"flags" json:"flags"`
	Metrics      Metrics    `bson:"metrics" json:"metrics"`
	OrderStatus  string     `bson:"order_status,omitempty" json:"order_status,omitempty" doc:"the order's status after the event"`
	OrderError   string     `bson:"order_error,omitempty" json:"order_error,omitempty" doc:"why the order did not move, when it did not; the event is kept"`
}
