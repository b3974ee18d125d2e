// Package orders owns on-site service orders (repair, installation, maintenance,
// inspection): their lifecycle from creation through dispatch offers, the visit,
// completion, verification and closing, with revisits that count against first-time fix.
// It reacts to complaints' service-order requests, offers each order through the
// dispatch engine, and reports completion to fees, parts and the complaint it serves.
package orders

import (
	"slices"
	"time"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
)

// Service types.
const (
	TypeRepair       = "repair"
	TypeInstallation = "installation"
	TypeMaintenance  = "maintenance"
	TypeInspection   = "inspection"
)

// Types lists the service types.
func Types() []string { return []string{TypeRepair, TypeInstallation, TypeMaintenance, TypeInspection} }

// Priorities of an order; urgent weighs SLA risk four times in the engine.
const (
	PriorityNormal = dispatch.PriorityNormal
	PriorityUrgent = dispatch.PriorityUrgent
)

// Priorities lists the order priorities.
func Priorities() []string { return []string{PriorityNormal, PriorityUrgent} }

// Status is where an order is in its life.
type Status = string

// Statuses.
const (
	StatusCreated       Status = "created"     // written, not yet in dispatch
	StatusDispatching   Status = "dispatching" // waiting for the engine, or for a dispatcher when escalated
	StatusOffered       Status = "offered"     // one candidate holds an open offer
	StatusAccepted      Status = "accepted"    // an outlet or technician took it
	StatusScheduled     Status = "scheduled"   // the visit has an appointment
	StatusEnRoute       Status = "en_route"
	StatusOnSite        Status = "on_site"
	StatusCompleted     Status = "completed" // the technician finished the work
	StatusVerified      Status = "verified"  // a dispatcher confirmed the work with the customer
	StatusClosed        Status = "closed"
	StatusCancelled     Status = "cancelled"
	StatusRevisitNeeded Status = "revisit_needed" // not fixed: a linked follow-up order carries on
)

// Statuses lists every status.
func Statuses() []string {
	return []string{StatusCreated, StatusDispatching, StatusOffered, StatusAccepted, StatusScheduled,
		StatusEnRoute, StatusOnSite, StatusCompleted, StatusVerified, StatusClosed, StatusCancelled,
		StatusRevisitNeeded}
}

// openStatuses are those in which the customer still waits for the work.
var openStatuses = []Status{StatusCreated, StatusDispatching, StatusOffered, StatusAccepted,
	StatusScheduled, StatusEnRoute, StatusOnSite}

// Visit stages a technician reports.
const (
	StageEnRoute = "en_route"
	StageOnSite  = "on_site"
)

// Site is where the work is done.
type Site struct {
	AddressID string  `bson:"address_id,omitempty" json:"address_id,omitempty"`
	Address   string  `bson:"address" json:"address"`
	City      string  `bson:"city,omitempty" json:"city,omitempty"`
	Province  string  `bson:"province,omitempty" json:"province,omitempty"`
	Lat       float64 `bson:"lat" json:"lat"`
	Lon       float64 `bson:"lon" json:"lon"`
}

// Window is a visit window.
type Window struct {
	Start time.Time `bson:"start" json:"start"`
	End   time.Time `bson:"end" json:"end"`
}

// Unit is what the order keeps of the serviced unit and its product, as the registry
// knew them when the order was created.
type Unit struct {
	Serial      string    `bson:"serial" json:"serial"`
	SKU         string    `bson:"sku" json:"sku"`
	ProductName string    `bson:"product_name" json:"product_name"`
	InWarranty  bool      `bson:"in_warranty" json:"in_warranty" doc:"when the order was created"`
	WarrantyEnd time.Time `bson:"warranty_end" json:"warranty_end"`
}

// Assignment is who does the work.
type Assignment struct {
	Kind         string    `bson:"kind" json:"kind" doc:"outlet or technician: the candidate that took the job"`
	CandidateID  string    `bson:"candidate_id" json:"candidate_id"`
	OutletID     string    `bson:"outlet_id" json:"outlet_id"`
	TechnicianID string    `bson:"technician_id,omitempty" json:"technician_id,omitempty"`
	Manual       bool      `bson:"manual" json:"manual" doc:"assigned by a dispatcher, not through an offer"`
	Reason       string    `bson:"reason,omitempty" json:"reason,omitempty"`
	At           time.Time `bson:"at" json:"at"`
	By           string    `bson:"by" json:"by"`
}

// Override is a dispatcher's manual assignment and what the engine makes of the choice.
type Override struct {
	By         string           `bson:"by" json:"by"`
	Reason     string           `bson:"reason" json:"reason"`
	At         time.Time        `bson:"at" json:"at"`
	Candidate  *dispatch.Scored `bson:"candidate,omitempty" json:"candidate,omitempty" doc:"the choice costed by the engine, when it is one of its candidates"`
	Ineligible string           `bson:"ineligible,omitempty" json:"ineligible,omitempty" doc:"the engine filter the choice fails"`
}

// Visit is a stage of the visit a technician reported.
type Visit struct {
	Stage      string     `bson:"stage" json:"stage" doc:"en_route or on_site"`
	At         time.Time  `bson:"at" json:"at" doc:"server time"`
	Lat        *float64   `bson:"lat,omitempty" json:"lat,omitempty"`
	Lon        *float64   `bson:"lon,omitempty" json:"lon,omitempty"`
	AccuracyM  *float64   `bson:"accuracy_m,omitempty" json:"accuracy_m,omitempty"`
	DeviceTime *time.Time `bson:"device_time,omitempty" json:"device_time,omitempty"`
}

// Completion is the technician's report of the finished work.
type Completion struct {
	ResolutionCode string    `bson:"resolution_code" json:"resolution_code"`
	FaultFound     string    `bson:"fault_found" json:"fault_found"`
	WorkDone       string    `bson:"work_done" json:"work_done"`
	PartsConsumed  []string  `bson:"parts_consumed" json:"parts_consumed" doc:"serials of the new parts fitted"`
	SignatureRef   string    `bson:"signature_ref" json:"signature_ref" doc:"reference of the customer's signature image"`
	At             time.Time `bson:"at" json:"at"`
	By             string    `bson:"by" json:"by"`
}

// ServiceOrder is one on-site job, stored as one aggregate document. Fields the lists,
// the board and the offer lookups query are top-level scalars (or arrays of scalars).
type ServiceOrder struct {
	ID            string     `bson:"_id"`
	Type          string     `bson:"type"`
	Status        Status     `bson:"status"`
	Priority      string     `bson:"priority"`
	ComplaintID   string     `bson:"complaint_id,omitempty"`
	RequestID     string     `bson:"request_id,omitempty"`    // the complaint's work request
	ComplaintRef  string     `bson:"complaint_ref,omitempty"` // the order id the complaint knows: the first visit's
	CustomerID    string     `bson:"customer_id"`
	CustomerName  string     `bson:"customer_name"`
	CustomerPhone string     `bson:"customer_phone"`
	Unit          *Unit      `bson:"unit,omitempty"`
	Serial        string     `bson:"serial,omitempty"`
	Category      string     `bson:"category,omitempty"`
	Brand         string     `bson:"brand,omitempty"`
	Skills        []string   `bson:"skills"`
	Site          *Site      `bson:"site,omitempty"`
	Appointment   *Window    `bson:"appointment,omitempty"`
	ResolveBy     *time.Time `bson:"resolve_by,omitempty"`
	Notes         string     `bson:"notes,omitempty"`

	Decision          *dispatch.Decision `bson:"decision,omitempty"`
	Offer             *dispatch.Offer    `bson:"offer,omitempty"` // the open offer
	OfferID           string             `bson:"offer_id,omitempty"`
	OfferOutletID     string             `bson:"offer_outlet_id,omitempty"`     // open offer to an outsourced outlet
	OfferTechnicianID string             `bson:"offer_technician_id,omitempty"` // open offer to an in-house technician
	OfferDeadline     *time.Time         `bson:"offer_deadline,omitempty"`
	Offers            []dispatch.Offer   `bson:"offers"`    // closed offers, oldest first
	OfferIDs          []string           `bson:"offer_ids"` // every offer's id, to find the order by one
	Excluded          []string           `bson:"excluded"`  // candidates that declined or let an offer expire
	Attempts          int                `bson:"attempts"`
	Escalated         bool               `bson:"escalated"`
	EscalationReason  string             `bson:"escalation_reason,omitempty"`
	EscalatedAt       *time.Time         `bson:"escalated_at,omitempty"`

	Assignment           *Assignment  `bson:"assignment,omitempty"`
	Override             *Override    `bson:"override,omitempty"`
	AssignedOutletID     string       `bson:"assigned_outlet_id,omitempty"`
	AssignedTechnicianID string       `bson:"assigned_technician_id,omitempty"`
	LoadRef              string       `bson:"load_ref,omitempty"` // whose capacity the order takes, on LoadDay
	LoadDay              dispatch.Day `bson:"load_day,omitempty"`

	Visits       []Visit     `bson:"visits"`
	Completion   *Completion `bson:"completion,omitempty"`
	FirstTimeFix *bool       `bson:"first_time_fix,omitempty"`
	RevisitOf    string      `bson:"revisit_of,omitempty"`
	RevisitID    string      `bson:"revisit_id,omitempty"`
	RevisitNote  string      `bson:"revisit_reason,omitempty"`
	CancelReason string      `bson:"cancel_reason,omitempty"`
	CompletedAt  *time.Time  `bson:"completed_at,omitempty"`
	ClosedAt     *time.Time  `bson:"closed_at,omitempty"`

	aggregate.Base `bson:",inline"`
}

// open reports whether the customer still waits for the work.
func (o *ServiceOrder) open() bool { return slices.Contains(openStatuses, o.Status) }

// job is the order as the dispatch engine sees it; why is set when it cannot be
// dispatched by the engine at all, and says why.
func (o *ServiceOrder) job() (j dispatch.Job, why string) {
	j = dispatch.Job{ServiceType: o.Type, Category: o.Category, Brand: o.Brand, Skills: o.Skills, Priority: o.Priority}
	if o.Appointment != nil {
		j.Window.Start, j.Window.End = o.Appointment.Start, o.Appointment.End
	}
	if o.ResolveBy != nil {
		j.ResolveBy = *o.ResolveBy
	}
	switch {
	case o.Site == nil:
		return j, "the order has no site location: the customer has no address on file"
	case o.Category == "":
		return j, "the order names no registered unit, so its product category is unknown"
	}
	j.Lat, j.Lon = o.Site.Lat, o.Site.Lon
	j.Region = o.Site.Province
	if j.Region == "" {
		j.Region = o.Site.City
	}
	return j, ""
}

// summary is what an outlet is told of the order before it accepts.
func (o *ServiceOrder) summary() dispatch.JobSummary {
	s := dispatch.JobSummary{ServiceType: o.Type, Category: o.Category, Brand: o.Brand, Priority: o.Priority,
		ResolveBy: o.ResolveBy}
	if o.Site != nil {
		s.City, s.Lat, s.Lon = o.Site.City, o.Site.Lat, o.Site.Lon
	}
	if o.Appointment != nil {
		s.WindowStart, s.WindowEnd = &o.Appointment.Start, &o.Appointment.End
	}
	return s
}
