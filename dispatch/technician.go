package dispatch

import (
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// TechnicianInput creates a technician; it is also the request body.
type TechnicianInput struct {
	OutletID        string              `json:"outlet_id"`
	Name            string              `json:"name"`
	Phone           string              `json:"phone"`
	Skills          []string            `json:"skills"`
	Lat             *float64            `json:"lat" doc:"home base"`
	Lon             *float64            `json:"lon" doc:"home base"`
	ServiceRadiusKm float64             `json:"service_radius_km,omitempty" doc:"around the home base; default the outlet's radius"`
	WorkingHours    map[string][]string `json:"working_hours,omitempty" doc:"in the outlet's time zone; default the outlet's hours"`
	DailyCapacity   int                 `json:"daily_capacity" doc:"jobs per day"`
	QualityScore    *int                `json:"quality_score,omitempty" doc:"0-100 from the scorecard; default 80"`
	Active          *bool               `json:"active,omitempty" doc:"default true"`
}

// Validate reports every invalid field at once.
func (in TechnicianInput) Validate() error {
	_, err := in.technician("")
	return err
}

func (in TechnicianInput) technician(id string) (Technician, error) {
	f := apperr.Fields{}
	requireCoords(f, "", in.Lat, in.Lon)
	t := Technician{ID: id, OutletID: in.OutletID, Name: in.Name, Phone: in.Phone, Skills: in.Skills,
		ServiceRadiusKm: in.ServiceRadiusKm, DailyCapacity: in.DailyCapacity, QualityScore: DefaultQualityScore, Active: true}
	assign(&t.Lat, in.Lat)
	assign(&t.Lon, in.Lon)
	assign(&t.QualityScore, in.QualityScore)
	assign(&t.Active, in.Active)
	if in.WorkingHours != nil {
		t.WorkingHours = parseHours(f, "working_hours", in.WorkingHours)
	}
	t = t.normalized()
	t.check(f)
	return t, f.Err()
}

// TechnicianPatch changes some fields of a technician; absent fields stay as they are.
// Outlet managers may change only skills and working_hours; activation has its own
// endpoints.
type TechnicianPatch struct {
	Version         int64               `json:"version" doc:"the version you read; a stale one answers 409"`
	OutletID        *string             `json:"outlet_id,omitempty" doc:"moves the technician to another outlet"`
	Name            *string             `json:"name,omitempty"`
	Phone           *string             `json:"phone,omitempty"`
	Skills          *[]string           `json:"skills,omitempty"`
	Lat             *float64            `json:"lat,omitempty"`
	Lon             *float64            `json:"lon,omitempty"`
	ServiceRadiusKm *float64            `json:"service_radius_km,omitempty" doc:"0 uses the outlet's radius"`
	WorkingHours    map[string][]string `json:"working_hours,omitempty" doc:"replaces all days; {} uses the outlet's hours"`
	DailyCapacity   *int                `json:"daily_capacity,omitempty"`
	QualityScore    *int                `json:"quality_score,omitempty"`
}

// Validate checks what can be checked without the stored technician.
func (in TechnicianPatch) Validate() error {
	if in.Version < 1 {
		return apperr.Fields{"version": "is required: the version you read"}.Err()
	}
	return requireChange(in)
}

// onlyOutletManagerFields reports whether the patch stays within what an outlet
// manager may change.
func (in TechnicianPatch) onlyOutletManagerFields() bool {
	in.Skills, in.WorkingHours = nil, nil
	return requireChange(in) != nil
}

func (in TechnicianPatch) apply(t Technician) (Technician, error) {
	f := apperr.Fields{}
	for _, p := range []struct{ dst, src *string }{{&t.OutletID, in.OutletID}, {&t.Name, in.Name}, {&t.Phone, in.Phone}} {
		assign(p.dst, p.src)
	}
	assign(&t.Skills, in.Skills)
	assign(&t.Lat, in.Lat)
	assign(&t.Lon, in.Lon)
	assign(&t.ServiceRadiusKm, in.ServiceRadiusKm)
	assign(&t.DailyCapacity, in.DailyCapacity)
	assign(&t.QualityScore, in.QualityScore)
	if in.WorkingHours != nil {
		t.WorkingHours = parseHours(f, "working_hours", in.WorkingHours)
	}
	t = t.normalized()
	t.check(f)
	return t, f.Err()
}

func (t Technician) normalized() Technician {
	t.OutletID, t.Name = strings.TrimSpace(t.OutletID), strings.TrimSpace(t.Name)
	t.Phone = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(t.Phone))
	t.Skills = cleanSlugs(t.Skills)
	if len(t.WorkingHours) == 0 {
		t.WorkingHours = nil
	}
	return t
}

func (t Technician) check(f apperr.Fields) {
	if f.Required("outlet_id", t.OutletID) {
		f.MaxLen("outlet_id", t.OutletID, 64)
	}
	checkText(f, "name", t.Name, maxNameLen)
	if f.Required("phone", t.Phone) && !phoneRE.MatchString(t.Phone) {
		f.Add("phone", "must be 6 to 15 digits, optionally starting with +")
	}
	checkSlugs(f, "skills", t.Skills, true, false)
	checkCoords(f, "", t.Lat, t.Lon)
	if t.ServiceRadiusKm < 0 || t.ServiceRadiusKm > maxRadiusKm {
		f.Add("service_radius_km", "must be from 0 (the outlet's) to %d", maxRadiusKm)
	}
	checkIntRange(f, "daily_capacity", int64(t.DailyCapacity), 1, maxTechPerDay)
	checkIntRange(f, "quality_score", int64(t.QualityScore), 0, 100)
}

func (t Technician) fields() []field {
	return []field{{"outlet_id", t.OutletID}, {"name", t.Name}, {"phone", t.Phone}, {"skills", t.Skills},
		{"lat", t.Lat}, {"lon", t.Lon}, {"service_radius_km", t.ServiceRadiusKm}, {"working_hours", t.WorkingHours},
		{"daily_capacity", t.DailyCapacity}, {"quality_score", t.QualityScore}, {"in_house", t.InHouse}}
}

// TechnicianView is a technician as the API shows it.
type TechnicianView struct {
	ID              string              `json:"id"`
	OutletID        string              `json:"outlet_id"`
	Name            string              `json:"name"`
	Phone           string              `json:"phone"`
	Skills          []string            `json:"skills"`
	Lat             float64             `json:"lat"`
	Lon             float64             `json:"lon"`
	ServiceRadiusKm float64             `json:"service_radius_km,omitempty" doc:"absent: the outlet's"`
	WorkingHours    map[string][]string `json:"working_hours,omitempty" doc:"absent: the outlet's"`
	DailyCapacity   int                 `json:"daily_capacity"`
	QualityScore    int                 `json:"quality_score"`
	Active          bool                `json:"active"`
	InactiveReason  string              `json:"inactive_reason,omitempty"`
	InHouse         bool                `json:"in_house"`
	Version         int64               `json:"version"`
	CreatedAt       time.Time           `json:"created_at"`
	UpdatedAt       time.Time           `json:"updated_at"`
	History         []aggregate.Entry   `json:"history,omitempty" doc:"every change; only when reading one technician"`
}

func (d technicianDoc) view() TechnicianView {
	t := d.Technician
	return TechnicianView{ID: t.ID, OutletID: t.OutletID, Name: t.Name, Phone: t.Phone, Skills: t.Skills,
		Lat: t.Lat, Lon: t.Lon, ServiceRadiusKm: t.ServiceRadiusKm, WorkingHours: t.WorkingHours.apiForm(),
		DailyCapacity: t.DailyCapacity, QualityScore: t.QualityScore, Active: t.Active,
		InactiveReason: t.InactiveReason, InHouse: t.InHouse, Version: d.Version, CreatedAt: d.CreatedAt,
		UpdatedAt: d.UpdatedAt, History: d.History}
}
