package dispatch

import (
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// OutletInput creates an outlet; it is also the request body.
type OutletInput struct {
	Name            string              `json:"name"`
	Kind            string              `json:"kind" doc:"in_house (its technicians are offered jobs directly) or outsourced (the outlet is offered the job)"`
	Address         string              `json:"address"`
	Lat             *float64            `json:"lat"`
	Lon             *float64            `json:"lon"`
	ServiceRadiusKm float64             `json:"service_radius_km" doc:"territory: the circle of this radius around the base"`
	Categories      []string            `json:"categories" doc:"product categories it is authorised for"`
	Brands          []string            `json:"brands" doc:"brands it is authorised for; \"*\" for every brand"`
	Skills          []string            `json:"skills,omitempty" doc:"skills it declares besides its technicians'"`
	CapacityPerDay  int                 `json:"capacity_per_day" doc:"jobs per day"`
	WorkingHours    map[string][]string `json:"working_hours,omitempty" doc:"{\"mon\": [\"08:00\", \"20:00\"], …} in time_zone; default 08:00-20:00 every day"`
	TimeZone        string              `json:"time_zone,omitempty" doc:"IANA zone; default Asia/Shanghai"`
	LabourRate      *int64              `json:"labour_rate" doc:"minor units per job, used until fee schedules price labour"`
	TravelRatePerKm *int64              `json:"travel_rate_per_km" doc:"minor units per road km"`
	QualityScore    *int                `json:"quality_score,omitempty" doc:"0-100 from the scorecard; default 80"`
	Phone           string              `json:"phone,omitempty"`
	WebhookURL      string              `json:"webhook_url,omitempty"`
	WebhookSecret   string              `json:"webhook_secret,omitempty" doc:"write-only, 16 to 128 characters; required with webhook_url"`
}

// Validate reports every invalid field at once.
func (in OutletInput) Validate() error {
	_, err := in.outlet("")
	return err
}

func (in OutletInput) outlet(id string) (Outlet, error) {
	f := apperr.Fields{}
	requireCoords(f, "", in.Lat, in.Lon)
	if in.LabourRate == nil {
		f.Add("labour_rate", "is required")
	}
	if in.TravelRatePerKm == nil {
		f.Add("travel_rate_per_km", "is required")
	}
	o := Outlet{ID: id, Name: in.Name, Kind: in.Kind, Address: in.Address, ServiceRadiusKm: in.ServiceRadiusKm,
		Categories: in.Categories, Brands: in.Brands, Skills: in.Skills, CapacityPerDay: in.CapacityPerDay,
		WorkingHours: DefaultHours(), TimeZone: in.TimeZone, QualityScore: DefaultQualityScore, Phone: in.Phone,
		Webhook: Webhook{URL: in.WebhookURL, Secret: in.WebhookSecret}}
	assign(&o.Lat, in.Lat)
	assign(&o.Lon, in.Lon)
	assign(&o.LabourRate, in.LabourRate)
	assign(&o.TravelRatePerKm, in.TravelRatePerKm)
	assign(&o.QualityScore, in.QualityScore)
	if in.WorkingHours != nil {
		o.WorkingHours = parseHours(f, "working_hours", in.WorkingHours)
	}
	if o.TimeZone == "" {
		o.TimeZone = DefaultTimeZone
	}
	o = o.normalized()
	o.check(f)
	return o, f.Err()
}

// OutletPatch changes some fields of an outlet; absent fields stay as they are. The
// kind cannot change (it decides whether its technicians are offered jobs directly),
// and suspension has its own endpoints.
type OutletPatch struct {
	Version         int64               `json:"version" doc:"the version you read; a stale one answers 409"`
	Name            *string             `json:"name,omitempty"`
	Address         *string             `json:"address,omitempty"`
	Lat             *float64            `json:"lat,omitempty"`
	Lon             *float64            `json:"lon,omitempty"`
	ServiceRadiusKm *float64            `json:"service_radius_km,omitempty"`
	Categories      *[]string           `json:"categories,omitempty"`
	Brands          *[]string           `json:"brands,omitempty"`
	Skills          *[]string           `json:"skills,omitempty"`
	CapacityPerDay  *int                `json:"capacity_per_day,omitempty"`
	WorkingHours    map[string][]string `json:"working_hours,omitempty" doc:"replaces all days"`
	TimeZone        *string             `json:"time_zone,omitempty"`
	LabourRate      *int64              `json:"labour_rate,omitempty"`
	TravelRatePerKm *int64              `json:"travel_rate_per_km,omitempty"`
	QualityScore    *int                `json:"quality_score,omitempty"`
	Phone           *string             `json:"phone,omitempty" doc:"empty removes it"`
	WebhookURL      *string             `json:"webhook_url,omitempty" doc:"empty removes the webhook"`
	WebhookSecret   *string             `json:"webhook_secret,omitempty"`
}

// Validate checks what can be checked without the stored outlet.
func (in OutletPatch) Validate() error {
	if in.Version < 1 {
		return apperr.Fields{"version": "is required: the version you read"}.Err()
	}
	return requireChange(in)
}

func (in OutletPatch) apply(o Outlet) (Outlet, error) {
	f := apperr.Fields{}
	for _, p := range []struct{ dst, src *string }{{&o.Name, in.Name}, {&o.Address, in.Address},
		{&o.TimeZone, in.TimeZone}, {&o.Phone, in.Phone}} {
		assign(p.dst, p.src)
	}
	for _, p := range []struct{ dst, src *[]string }{{&o.Categories, in.Categories}, {&o.Brands, in.Brands}, {&o.Skills, in.Skills}} {
		assign(p.dst, p.src)
	}
	assign(&o.Lat, in.Lat)
	assign(&o.Lon, in.Lon)
	assign(&o.ServiceRadiusKm, in.ServiceRadiusKm)
	assign(&o.CapacityPerDay, in.CapacityPerDay)
	assign(&o.LabourRate, in.LabourRate)
	assign(&o.TravelRatePerKm, in.TravelRatePerKm)
	assign(&o.QualityScore, in.QualityScore)
	if in.WorkingHours != nil {
		o.WorkingHours = parseHours(f, "working_hours", in.WorkingHours)
	}
	o.Webhook = patchWebhook(o.Webhook, in.WebhookURL, in.WebhookSecret)
	o = o.normalized()
	o.check(f)
	return o, f.Err()
}

func (o Outlet) normalized() Outlet {
	o.Name, o.Address, o.TimeZone = strings.TrimSpace(o.Name), strings.TrimSpace(o.Address), strings.TrimSpace(o.TimeZone)
	o.Kind, o.Phone = strings.TrimSpace(o.Kind), strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(o.Phone))
	o.Categories, o.Brands, o.Skills = cleanSlugs(o.Categories), cleanSlugs(o.Brands), cleanSlugs(o.Skills)
	o.Webhook.URL = strings.TrimSpace(o.Webhook.URL)
	return o
}

func (o Outlet) check(f apperr.Fields) {
	checkText(f, "name", o.Name, maxNameLen)
	f.OneOf("kind", o.Kind, KindInHouse, KindOutsourced)
	checkText(f, "address", o.Address, maxAddressLen)
	checkCoords(f, "", o.Lat, o.Lon)
	if o.ServiceRadiusKm <= 0 || o.ServiceRadiusKm > maxRadiusKm {
		f.Add("service_radius_km", "must be more than 0 and at most %d", maxRadiusKm)
	}
	checkSlugs(f, "categories", o.Categories, true, false)
	checkSlugs(f, "brands", o.Brands, true, true)
	checkSlugs(f, "skills", o.Skills, false, false)
	checkIntRange(f, "capacity_per_day", int64(o.CapacityPerDay), 1, maxDailyJobs)
	if len(o.WorkingHours) == 0 && !reported(f, "working_hours.") {
		f.Add("working_hours", "needs at least one working day")
	}
	checkTimeZone(f, o.TimeZone)
	checkIntRange(f, "labour_rate", o.LabourRate, 0, maxRate)
	checkIntRange(f, "travel_rate_per_km", o.TravelRatePerKm, 0, maxRate)
	checkIntRange(f, "quality_score", int64(o.QualityScore), 0, 100)
	if o.Phone != "" && !phoneRE.MatchString(o.Phone) {
		f.Add("phone", "must be 6 to 15 digits, optionally starting with +")
	}
	checkWebhook(f, o.Webhook)
}

func (o Outlet) fields() []field {
	return []field{{"name", o.Name}, {"address", o.Address}, {"lat", o.Lat}, {"lon", o.Lon},
		{"service_radius_km", o.ServiceRadiusKm}, {"categories", o.Categories}, {"brands", o.Brands},
		{"skills", o.Skills}, {"capacity_per_day", o.CapacityPerDay}, {"working_hours", o.WorkingHours},
		{"time_zone", o.TimeZone}, {"labour_rate", o.LabourRate}, {"travel_rate_per_km", o.TravelRatePerKm},
		{"quality_score", o.QualityScore}, {"phone", o.Phone}, {"webhook", o.Webhook}}
}

// OutletView is an outlet as the API shows it: the webhook secret never leaves.
type OutletView struct {
	ID                string              `json:"id"`
	Name              string              `json:"name"`
	Kind              string              `json:"kind"`
	Address           string              `json:"address"`
	Lat               float64             `json:"lat"`
	Lon               float64             `json:"lon"`
	ServiceRadiusKm   float64             `json:"service_radius_km"`
	Categories        []string            `json:"categories"`
	Brands            []string            `json:"brands"`
	Skills            []string            `json:"skills"`
	CapacityPerDay    int                 `json:"capacity_per_day"`
	WorkingHours      map[string][]string `json:"working_hours"`
	TimeZone          string              `json:"time_zone"`
	Suspended         bool                `json:"suspended"`
	SuspendedReason   string              `json:"suspended_reason,omitempty"`
	LabourRate        int64               `json:"labour_rate"`
	TravelRatePerKm   int64               `json:"travel_rate_per_km"`
	QualityScore      int                 `json:"quality_score"`
	Phone             string              `json:"phone,omitempty"`
	WebhookConfigured bool                `json:"webhook_configured"`
	Version           int64               `json:"version"`
	CreatedAt         time.Time           `json:"created_at"`
	UpdatedAt         time.Time           `json:"updated_at"`
	History           []aggregate.Entry   `json:"history,omitempty" doc:"every change; only when reading one outlet"`
}

func (d outletDoc) view() OutletView {
	o := d.Outlet
	return OutletView{ID: o.ID, Name: o.Name, Kind: o.Kind, Address: o.Address, Lat: o.Lat, Lon: o.Lon,
		ServiceRadiusKm: o.ServiceRadiusKm, Categories: o.Categories, Brands: o.Brands, Skills: o.Skills,
		CapacityPerDay: o.CapacityPerDay, WorkingHours: o.WorkingHours.apiForm(), TimeZone: o.TimeZone,
		Suspended: o.Suspended, SuspendedReason: o.SuspendedReason, LabourRate: o.LabourRate,
		TravelRatePerKm: o.TravelRatePerKm, QualityScore: o.QualityScore, Phone: o.Phone,
		WebhookConfigured: o.Webhook.Configured(), Version: d.Version, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt, History: d.History}
}
