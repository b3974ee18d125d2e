// Package dispatch owns the service network (warehouses, service outlets, technicians)
// and the assignment engine that picks the lowest-cost candidate able to do a job.
// Network changes are versioned aggregates; the engine decides in memory over a spatial
// index that every process rebuilds when the network changes.
package dispatch

import "time"

// Outlet kinds: an in-house team's technicians are offered jobs directly; an outsourced
// outlet is offered the job and its manager assigns one of its technicians.
const (
	KindInHouse    = "in_house"
	KindOutsourced = "outsourced"
)

// Candidate kinds in a decision.
const (
	CandidateOutlet     = "outlet"
	CandidateTechnician = "technician"
)

// Defaults for fields a request may leave out.
const (
	DefaultTimeZone     = "Asia/Shanghai"
	DefaultQualityScore = 80
	// AnyBrand in an outlet's brands authorises it for every brand.
	AnyBrand = "*"
)

// Webhook is where the network member's own system is told about work. The secret
// signs the calls (HMAC-SHA256) and is never shown again once written.
type Webhook struct {
	URL    string `bson:"url,omitempty"`
	Secret string `bson:"secret,omitempty"`
}

// Configured reports whether calls can be made.
func (w Webhook) Configured() bool { return w.URL != "" && w.Secret != "" }

// Warehouse receives returns for the product categories it handles.
type Warehouse struct {
	ID                string   `bson:"_id"`
	Name              string   `bson:"name"`
	Address           string   `bson:"address"`
	Lat               float64  `bson:"lat"`
	Lon               float64  `bson:"lon"`
	Categories        []string `bson:"categories"`
	ReceivingCapacity int      `bson:"receiving_capacity"` // parcels per day
	TimeZone          string   `bson:"time_zone"`          // whose day the capacity counts
	Webhook           Webhook  `bson:"webhook"`
	Active            bool     `bson:"active"`
}

// Outlet is a service outlet: an in-house team or an outsourced service company. Its
// territory is the circle of ServiceRadiusKm around its base.
type Outlet struct {
	ID              string    `bson:"_id"`
	Name            string    `bson:"name"`
	Kind            string    `bson:"kind"`
	Address         string    `bson:"address"`
	Lat             float64   `bson:"lat"`
	Lon             float64   `bson:"lon"`
	ServiceRadiusKm float64   `bson:"service_radius_km"`
	Categories      []string  `bson:"categories"`
	Brands          []string  `bson:"brands"` // AnyBrand authorises every brand
	Skills          []string  `bson:"skills"` // declared by the outlet, besides its technicians'
	CapacityPerDay  int       `bson:"capacity_per_day"`
	WorkingHours    WeekHours `bson:"working_hours"`
	TimeZone        string    `bson:"time_zone"`
	Suspended       bool      `bson:"suspended"`
	SuspendedReason string    `bson:"suspended_reason,omitempty"`
	LabourRate      int64     `bson:"labour_rate"`        // minor units per job, until fee schedules price it
	TravelRatePerKm int64     `bson:"travel_rate_per_km"` // minor units per road km
	QualityScore    int       `bson:"quality_score"`      // 0-100, from the scorecard
	Phone           string    `bson:"phone,omitempty"`
	Webhook         Webhook   `bson:"webhook"`
}

// InHouse reports whether the outlet is an in-house team.
func (o Outlet) InHouse() bool { return o.Kind == KindInHouse }

// Technician works for one outlet. ServiceRadiusKm and WorkingHours left empty mean
// the outlet's.
type Technician struct {
	ID              string    `bson:"_id"`
	OutletID        string    `bson:"outlet_id"`
	Name            string    `bson:"name"`
	Phone           string    `bson:"phone"`
	Skills          []string  `bson:"skills"`
	Lat             float64   `bson:"lat"` // home base
	Lon             float64   `bson:"lon"`
	ServiceRadiusKm float64   `bson:"service_radius_km,omitempty"`
	WorkingHours    WeekHours `bson:"working_hours,omitempty"`
	DailyCapacity   int       `bson:"daily_capacity"`
	QualityScore    int       `bson:"quality_score"`
	Active          bool      `bson:"active"`
	InactiveReason  string    `bson:"inactive_reason,omitempty"`
	InHouse         bool      `bson:"in_house"` // = its outlet's kind is in_house
}

// Network is a snapshot of the whole service network, what an Index is built from.
type Network struct {
	Warehouses  []Warehouse
	Outlets     []Outlet
	Technicians []Technician
}

// Job is the work the engine finds a candidate for.
type Job struct {
	// ServiceType and Region key the labour rules of fee schedules (repair, 440300…).
	ServiceType string
	Region      string
	Category    string
	Brand       string
	Skills      []string
	Lat, Lon    float64
	// Window is when the customer wants the visit; zero means "as soon as possible".
	Window    struct{ Start, End time.Time }
	ResolveBy time.Time // zero: no SLA deadline
	Priority  string    // see Priorities
}

// Job priorities; a higher one weighs SLA risk more (EngineConfig.PriorityWeight).
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
	PriorityUrgent = "urgent"
)

// Priorities lists the job priorities.
func Priorities() []string {
	return []string{PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent}
}
