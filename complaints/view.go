package complaints

import (
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/registry"
)

// CustomerRef is the customer as a complaint shows them; Phone is masked for roles that
// do not call customers.
type CustomerRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// ComplaintView is a complaint as the API shows it. History is on the detail only.
type ComplaintView struct {
	ID          string       `json:"id"`
	Channel     string       `json:"channel"`
	Category    string       `json:"category"`
	Flags       []string     `json:"flags"`
	Class       string       `json:"class"`
	ClassReason string       `json:"class_reason,omitempty" doc:"the supervisor's reason when the class was overridden"`
	Status      string       `json:"status"`
	Tier        string       `json:"tier"`
	Assignee    string       `json:"assignee,omitempty"`
	Customer    CustomerRef  `json:"customer"`
	SalesOrder  string       `json:"sales_order_id,omitempty"`
	Serial      string       `json:"serial,omitempty"`
	Unit        *UnitInfo    `json:"unit,omitempty"`
	Description string       `json:"description"`
	Attachments []Attachment `json:"attachments"`

	ResponseDue        time.Time  `json:"response_due"`
	ResolutionDue      time.Time  `json:"resolution_due"`
	FirstResponseAt    *time.Time `json:"first_response_at,omitempty"`
	BreachedResponse   bool       `json:"breached_response"`
	BreachedResolution bool       `json:"breached_resolution"`
	Breached           bool       `json:"breached"`
	Breaches           []Breach   `json:"breaches"`
	Escalated          bool       `json:"escalated_to_supervisor"`
	EscalatedAt        *time.Time `json:"escalated_at,omitempty"`

	Work         []WorkItem `json:"work"`
	Resolution   string     `json:"resolution,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	FCR          bool       `json:"fcr" doc:"resolved at first contact: no tier escalation, no linked work, never reopened"`
	Reopens      int        `json:"reopens"`
	FollowUp     *FollowUp  `json:"follow_up,omitempty"`
	Surveys      []Survey   `json:"surveys"`

	Version   int64             `json:"version"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	History   []aggregate.Entry `json:"history,omitempty"`
}

// View is c as a caller of role sees it; withHistory adds the history (the detail view).
func View(c *Complaint, role string, withHistory bool) ComplaintView {
	phone := c.CustomerPhone
	if !registry.CanSeePhone(role) {
		phone = registry.MaskPhone(phone)
	}
	v := ComplaintView{
		ID: c.ID, Channel: c.Channel, Category: c.Category, Flags: nonNil(c.Flags), Class: c.Class,
		ClassReason: c.ClassReason, Status: c.Status, Tier: c.Tier, Assignee: c.Assignee,
		Customer:   CustomerRef{ID: c.CustomerID, Name: c.CustomerName, Phone: phone},
		SalesOrder: c.SalesOrderID, Serial: c.Serial, Unit: c.Unit, Description: c.Description,
		Attachments: nonNil(c.Attachments), ResponseDue: c.ResponseDue, ResolutionDue: c.ResolutionDue,
		FirstResponseAt: c.FirstResponseAt, BreachedResponse: c.BreachedResponse,
		BreachedResolution: c.BreachedResolution, Breached: c.Breached, Breaches: nonNil(c.Breaches),
		Escalated: c.Escalated, EscalatedAt: c.EscalatedAt, Work: nonNil(c.Work), Resolution: c.Resolution,
		ResolvedAt: c.ResolvedAt, ClosedAt: c.ClosedAt, CancelReason: c.CancelReason, FCR: c.FCR,
		Reopens: c.Reopens, FollowUp: c.FollowUp, Surveys: nonNil(c.Surveys),
		Version: c.Version, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if withHistory {
		v.History = c.History
	}
	return v
}
