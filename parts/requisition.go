package parts

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// Requisition statuses.
const (
	StatusRequested = "requested"
	StatusApproved  = "approved"
	StatusRejected  = "rejected"
	StatusIssued    = "issued"
	StatusReceived  = "received"
	StatusCancelled = "cancelled"
)

// Requisition actions.
const (
	ActApprove = "approve"
	ActReject  = "reject"
	ActIssue   = "issue"
	ActReceive = "receive"
	ActCancel  = "cancel"
)

// transition is one allowed move of the requisition state machine.
type transition struct {
	from  []string
	to    string
	roles []string
}

// requisitionMachine is the state machine as data. Who may act on which requisition
// (its warehouse, its requester) is checked on top by the service.
var requisitionMachine = map[string]transition{
	ActApprove: {from: []string{StatusRequested}, to: StatusApproved,
		roles: []string{auth.RoleWarehouse, auth.RoleSupervisor, auth.RoleAdmin}},
	ActReject: {from: []string{StatusRequested, StatusApproved}, to: StatusRejected,
		roles: []string{auth.RoleWarehouse, auth.RoleSupervisor, auth.RoleAdmin}},
	ActIssue: {from: []string{StatusApproved}, to: StatusIssued,
		roles: []string{auth.RoleWarehouse, auth.RoleAdmin}},
	ActReceive: {from: []string{StatusIssued}, to: StatusReceived,
		roles: []string{auth.RoleTechnician, auth.RoleOutlet, auth.RoleSupervisor, auth.RoleAdmin}},
	ActCancel: {from: []string{StatusRequested, StatusApproved, StatusIssued}, to: StatusCancelled,
		roles: []string{auth.RoleTechnician, auth.RoleOutlet, auth.RoleWarehouse, auth.RoleSupervisor, auth.RoleAdmin}},
}

// check says whether p may take act on a requisition in status.
func (t transition) check(act, status string, p auth.Principal) error {
	if !p.HasRole(t.roles...) {
		return apperr.Forbidden("your role may not %s a requisition", act)
	}
	if !slices.Contains(t.from, status) {
		return apperr.Conflict("a %s requisition cannot be %s", status, pastTense(act))
	}
	return nil
}

func pastTense(act string) string {
	switch act {
	case ActIssue:
		return "issued"
	case ActCancel:
		return "cancelled"
	}
	return strings.TrimSuffix(act, "e") + "ed"
}

// Line is one part asked for.
type Line struct {
	PartNo   string   `json:"part_no"`
	Qty      int64    `json:"qty"`
	Serials  []string `json:"serials" doc:"serials issued, for serialised parts"`
	UnitCost int64    `json:"unit_cost" doc:"minor units, from the catalog when requested"`
}

type lineDoc struct {
	PartNo     string   `bson:"part_no"`
	Qty        int64    `bson:"qty"`
	Serialised bool     `bson:"serialised"`
	Serials    []string `bson:"serials"`
	UnitCost   int64    `bson:"unit_cost"`
}

func (l lineDoc) view() Line {
	return Line{PartNo: l.PartNo, Qty: l.Qty, Serials: nonNil(l.Serials), UnitCost: l.UnitCost}
}

// Requisition is a request for parts from a warehouse into a van or an outlet.
type Requisition struct {
	ID           string            `json:"id"`
	Status       string            `json:"status"`
	From         string            `json:"from" doc:"the warehouse, warehouse:<id>"`
	To           string            `json:"to" doc:"van:<technician id> or outlet:<id>"`
	TechnicianID string            `json:"technician_id,omitempty"`
	OutletID     string            `json:"outlet_id,omitempty"`
	OrderID      string            `json:"order_id,omitempty"`
	Lines        []Line            `json:"lines"`
	Value        int64             `json:"value" doc:"sum of qty × unit cost, minor units"`
	Currency     string            `json:"currency"`
	Note         string            `json:"note,omitempty"`
	Reason       string            `json:"reason,omitempty" doc:"why it was rejected or cancelled"`
	RequestedBy  string            `json:"requested_by"`
	ApprovedBy   string            `json:"approved_by,omitempty"`
	IssuedAt     *time.Time        `json:"issued_at,omitempty"`
	ReceivedAt   *time.Time        `json:"received_at,omitempty"`
	Version      int64             `json:"version"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	History      []aggregate.Entry `json:"history"`
}

type requisitionDoc struct {
	ID             string `bson:"_id"`
	aggregate.Base `bson:",inline"`
	Status         string     `bson:"status"`
	From           string     `bson:"from"`
	WarehouseID    string     `bson:"warehouse_id"`
	To             string     `bson:"to"`
	TechnicianID   string     `bson:"technician_id,omitempty"`
	OutletID       string     `bson:"outlet_id,omitempty"`
	OrderID        string     `bson:"order_id,omitempty"`
	Lines          []lineDoc  `bson:"lines"`
	Value          int64      `bson:"value"`
	Currency       string     `bson:"currency"`
	Note           string     `bson:"note,omitempty"`
	Reason         string     `bson:"reason,omitempty"`
	RequestedBy    string     `bson:"requested_by"`
	ApprovedBy     string     `bson:"approved_by,omitempty"`
	IssuedAt       *time.Time `bson:"issued_at,omitempty"`
	ReceivedAt     *time.Time `bson:"received_at,omitempty"`
	Ops            []string   `bson:"ops"` // stock operations this requisition recorded
}

func (d requisitionDoc) view() Requisition {
	lines := make([]Line, len(d.Lines))
	for i, l := range d.Lines {
		lines[i] = l.view()
	}
	return Requisition{ID: d.ID, Status: d.Status, From: d.From, To: d.To, TechnicianID: d.TechnicianID,
		OutletID: d.OutletID, OrderID: d.OrderID, Lines: lines, Value: d.Value, Currency: d.Currency, Note: d.Note,
		Reason: d.Reason, RequestedBy: d.RequestedBy, ApprovedBy: d.ApprovedBy, IssuedAt: d.IssuedAt,
		ReceivedAt: d.ReceivedAt, Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, History: d.History}
}

// LineInput is one part asked for.
type LineInput struct {
	PartNo string `json:"part_no"`
	Qty    int64  `json:"qty"`
}

// RequisitionInput asks for parts.
type RequisitionInput struct {
	FromWarehouse string      `json:"from_warehouse" doc:"warehouse id"`
	To            string      `json:"to,omitempty" doc:"van:<technician id> or outlet:<id>; a technician's own van and an outlet's own store by default"`
	OrderID       string      `json:"order_id,omitempty" doc:"the service order the parts are for"`
	Lines         []LineInput `json:"lines"`
	Note          string      `json:"note,omitempty"`
}

const (
	maxLines   = 20
	maxLineQty = 1000
)

// Validate checks the request's shape.
func (in RequisitionInput) Validate() error {
	f := apperr.Fields{}
	if f.Required("from_warehouse", in.FromWarehouse) && !ValidID(in.FromWarehouse) {
		f.Add("from_warehouse", "is not a warehouse id")
	}
	if in.To != "" {
		if loc, err := ParseLocation(in.To); err != nil {
			f.Add("to", "%v", err)
		} else if loc.Kind == KindWarehouse {
			f.Add("to", "must be a van or an outlet; use a transfer between warehouses")
		}
	}
	if in.OrderID != "" && !ValidID(in.OrderID) {
		f.Add("order_id", "is not an order id")
	}
	f.MaxLen("note", in.Note, 1000)
	checkLines(f, in.Lines)
	return f.Err()
}

func checkLines(f apperr.Fields, lines []LineInput) {
	if len(lines) == 0 || len(lines) > maxLines {
		f.Add("lines", "must have 1 to %d lines", maxLines)
	}
	seen := map[string]bool{}
	for i, l := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		no := NormalizePartNo(l.PartNo)
		if !validPartNo(no) {
			f.Add(field+".part_no", "is required")
		} else if seen[no] {
			f.Add(field+".part_no", "appears on another line")
		}
		seen[no] = true
		if l.Qty < 1 || l.Qty > maxLineQty {
			f.Add(field+".qty", "must be 1 to %d", maxLineQty)
		}
	}
}

// IssueLine names the serials picked for a serialised line.
type IssueLine struct {
	PartNo  string   `json:"part_no"`
	Serials []string `json:"serials"`
}

// IssueInput lists the serials the warehouse picked; non-serialised lines need nothing.
type IssueInput struct {
	Lines []IssueLine `json:"lines,omitempty"`
}

// ReasonInput says why a requisition is rejected or cancelled.
type ReasonInput struct {
	Reason string `json:"reason"`
}

// Validate requires a reason.
func (in ReasonInput) Validate() error {
	f := apperr.Fields{}
	f.Required("reason", in.Reason)
	f.MaxLen("reason", in.Reason, 500)
	return f.Err()
}
