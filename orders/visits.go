package orders

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/registry"
)

// The visit: appointment, en route, on site, completion. Technicians report these
// through the mobile API, which calls these methods with the technician's principal.

// AppointmentInput sets or moves the visit's appointment.
type AppointmentInput struct {
	Start string `json:"start" doc:"RFC 3339"`
	End   string `json:"end" doc:"RFC 3339; after start, at most 14 days later"`
}

// Validate checks the window.
func (in AppointmentInput) Validate() error {
	f := apperr.Fields{}
	parseWindow(f, "appointment", &WindowInput{Start: in.Start, End: in.End})
	return f.Err()
}

// SetAppointment agrees the visit's window with the customer. The assigned technician,
// the assigned outlet's manager, agents and dispatchers may set or move it; the order's
// capacity moves to the appointment's day.
func (s *Service) SetAppointment(ctx context.Context, p auth.Principal, id string, in AppointmentInput) (*ServiceOrder, error) {
	f := apperr.Fields{}
	w := parseWindow(f, "appointment", &WindowInput{Start: in.Start, End: in.End})
	if err := f.Err(); err != nil {
		return nil, err
	}
	o, err := s.worker(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if _, err := allowed(p.Actor(), o, actSchedule); err != nil {
		return nil, err
	}
	checkFuture(f, "appointment.end", &w.End, s.clock.Now())
	if err := f.Err(); err != nil {
		return nil, err
	}
	old := o.slot()
	next := old
	if old.ref != "" {
		next.day = s.dispatch.LoadDay(old.ref, w.Start)
	}
	err = s.move(ctx, p.Actor(), o, actSchedule, change{set: append(bson.D{{Key: "appointment", Value: *w}}, next.fields()...),
		note: fmt.Sprintf("%s to %s", w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339))})
	if err != nil {
		return nil, err
	}
	if next != old {
		s.addLoad(ctx, old, -1)
		s.addLoad(ctx, next, 1)
	}
	return s.load(ctx, id)
}

// worker loads order id for an action on the work: the assigned technician, the
// assigned outlet's manager, or staff. Anyone else does not see it.
func (s *Service) worker(ctx context.Context, p auth.Principal, id string) (*ServiceOrder, error) {
	o, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	switch p.Role {
	case auth.RoleTechnician:
		if o.AssignedTechnicianID == "" || o.AssignedTechnicianID != p.TechnicianID {
			return nil, apperr.NotFound("service order")
		}
	case auth.RoleOutlet:
		if o.AssignedOutletID == "" || o.AssignedOutletID != p.OutletID {
			return nil, apperr.NotFound("service order")
		}
	}
	return o, nil
}

// VisitInput is a technician's en-route or on-site report, with where the device was.
type VisitInput struct {
	Stage      string     `json:"stage" doc:"en_route or on_site"`
	Lat        *float64   `json:"lat,omitempty"`
	Lon        *float64   `json:"lon,omitempty"`
	AccuracyM  *float64   `json:"accuracy_m,omitempty" doc:"metres"`
	DeviceTime *time.Time `json:"device_time,omitempty"`
}

// Validate checks the stage and the coordinates.
func (in VisitInput) Validate() error {
	f := apperr.Fields{}
	if f.Required("stage", in.Stage) {
		f.OneOf("stage", in.Stage, StageEnRoute, StageOnSite)
	}
	if (in.Lat == nil) != (in.Lon == nil) {
		f.Add("lat", "lat and lon go together")
	}
	if in.Lat != nil && in.Lon != nil {
		f.Range("lat", *in.Lat, -90, 90)
		f.Range("lon", *in.Lon, -180, 180)
	}
	if in.AccuracyM != nil {
		f.Range("accuracy_m", *in.AccuracyM, 0, 100000)
	}
	return f.Err()
}

var stageAction = map[string]action{StageEnRoute: actEnRoute, StageOnSite: actOnSite}

// RecordVisit records the assigned technician on the way to, or at, the site. Where the
// device was is kept as reported; judging it (geofence, clock drift) is the mobile API's.
func (s *Service) RecordVisit(ctx context.Context, p auth.Principal, id string, in VisitInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, err := s.worker(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v := Visit{Stage: in.Stage, At: s.clock.Now(), Lat: in.Lat, Lon: in.Lon, AccuracyM: in.AccuracyM, DeviceTime: in.DeviceTime}
	if err := s.move(ctx, p.Actor(), o, stageAction[in.Stage], change{push: bson.D{{Key: "visits", Value: v}}}); err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

// TypeCompleted is queued when a technician completes an order: fees price it, parts
// record the consumption. The server registers one handler that hands it to both.
const TypeCompleted = "orders:completed"

// Completed is the data of TypeCompleted.
type Completed struct {
	OrderID        string    `json:"order_id"`
	ServiceType    string    `json:"service_type"`
	CandidateKind  string    `json:"candidate_kind" doc:"outlet (outsourced) or technician (in-house)"`
	OutletID       string    `json:"outlet_id"`
	TechnicianID   string    `json:"technician_id"`
	Serial         string    `json:"serial,omitempty"`
	SKU            string    `json:"sku,omitempty"`
	Category       string    `json:"category,omitempty"`
	Brand          string    `json:"brand,omitempty"`
	InWarranty     bool      `json:"in_warranty"`
	City           string    `json:"city,omitempty"`
	Province       string    `json:"province,omitempty"`
	DistanceKm     float64   `json:"distance_km" doc:"straight line from the candidate's base, as the engine measured it; 0 when unknown"`
	CompletedAt    time.Time `json:"completed_at"`
	ResolutionCode string    `json:"resolution_code"`
	FaultFound     string    `json:"fault_found"`
	WorkDone       string    `json:"work_done"`
	PartsConsumed  []string  `json:"parts_consumed"`
	SignatureRef   string    `json:"signature_ref"`
	RevisitOf      string    `json:"revisit_of,omitempty"`
	ComplaintID    string    `json:"complaint_id,omitempty"`
}

var resolutionCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// CompleteInput is the technician's completion report.
type CompleteInput struct {
	ResolutionCode string   `json:"resolution_code" doc:"a code such as repaired, part_replaced, installed, no_fault_found"`
	FaultFound     string   `json:"fault_found" doc:"at most 1000 characters"`
	WorkDone       string   `json:"work_done" doc:"at most 2000 characters"`
	PartsConsumed  []string `json:"parts_consumed,omitempty" doc:"serials of the new parts fitted; at most 50"`
	SignatureRef   string   `json:"signature_ref" doc:"reference of the customer's signature, uploaded beforehand"`
}

// Validate reports every invalid field at once.
func (in CompleteInput) Validate() error {
	f := apperr.Fields{}
	if f.Required("resolution_code", in.ResolutionCode) && !resolutionCodeRE.MatchString(strings.TrimSpace(in.ResolutionCode)) {
		f.Add("resolution_code", "must be a lower-case code of letters, digits and _ (2 to 40)")
	}
	if f.Required("fault_found", in.FaultFound) {
		f.MaxLen("fault_found", in.FaultFound, maxText)
	}
	if f.Required("work_done", in.WorkDone) {
		f.MaxLen("work_done", in.WorkDone, maxNotes)
	}
	if f.Required("signature_ref", in.SignatureRef) {
		f.MaxLen("signature_ref", in.SignatureRef, 200)
	}
	if len(in.PartsConsumed) > maxParts {
		f.Add("parts_consumed", "must have at most %d serials", maxParts)
	}
	for i, sn := range in.PartsConsumed {
		if n := registry.NormalizeSerial(sn); n == "" || len(n) > maxReferenceID {
			f.Add(fmt.Sprintf("parts_consumed[%d]", i), "must be a serial of 1 to 64 characters")
		}
	}
	return f.Err()
}

// Complete records the assigned technician's completion report and tells fees, parts
// and the unit's history.
func (s *Service) Complete(ctx context.Context, p auth.Principal, id string, in CompleteInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, err := s.worker(ctx, p, id)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	c := Completion{ResolutionCode: strings.TrimSpace(in.ResolutionCode), FaultFound: strings.TrimSpace(in.FaultFound),
		WorkDone: strings.TrimSpace(in.WorkDone), PartsConsumed: []string{}, SignatureRef: strings.TrimSpace(in.SignatureRef),
		At: now, By: p.UserID}
	for _, sn := range in.PartsConsumed {
		c.PartsConsumed = append(c.PartsConsumed, registry.NormalizeSerial(sn))
	}
	set := bson.D{{Key: "completion", Value: c}, {Key: "completed_at", Value: now}}
	if o.RevisitOf == "" {
		set = append(set, bson.E{Key: "first_time_fix", Value: true})
	}
	err = s.move(ctx, p.Actor(), o, actComplete, change{set: set, events: s.completionEvents(o, c), note: c.ResolutionCode})
	if err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

func (s *Service) completionEvents(o *ServiceOrder, c Completion) []aggregate.Event {
	d := Completed{OrderID: o.ID, ServiceType: o.Type, Serial: o.Serial, Category: o.Category, Brand: o.Brand,
		CompletedAt: c.At, ResolutionCode: c.ResolutionCode, FaultFound: c.FaultFound, WorkDone: c.WorkDone,
		PartsConsumed: c.PartsConsumed, SignatureRef: c.SignatureRef, RevisitOf: o.RevisitOf, ComplaintID: o.ComplaintID}
	if a := o.Assignment; a != nil {
		d.CandidateKind, d.OutletID, d.TechnicianID = a.Kind, a.OutletID, a.TechnicianID
	}
	if o.Unit != nil {
		d.SKU, d.InWarranty = o.Unit.SKU, o.Unit.InWarranty
	}
	if o.Site != nil {
		d.City, d.Province = o.Site.City, o.Site.Province
	}
	d.DistanceKm = o.distanceKm()
	events := []aggregate.Event{aggregate.NewEvent(TypeCompleted, queue.Default, d)}
	if o.Serial != "" {
		events = append(events, registry.UnitTouched(o.Serial, registry.KindServiceOrder, o.ID,
			fmt.Sprintf("%s completed: %s. Fault: %s. Work: %s", o.Type, c.ResolutionCode, c.FaultFound, c.WorkDone), c.At))
	}
	return events
}

// distanceKm is how far the candidate that took the job is from the site, as scored
// when it was offered or assigned by hand.
func (o *ServiceOrder) distanceKm() float64 {
	if o.Assignment == nil {
		return 0
	}
	if ov := o.Override; o.Assignment.Manual && ov != nil && ov.Candidate != nil {
		return ov.Candidate.DistanceKm
	}
	for i := len(o.Offers) - 1; i >= 0; i-- {
		if off := o.Offers[i]; off.Candidate.ID == o.Assignment.CandidateID {
			return off.Candidate.DistanceKm
		}
	}
	return 0
}
