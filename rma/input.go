package rma

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/registry"
)

// Input limits.
const (
	MaxLines    = 50
	MaxQty      = 999
	maxReason   = 1000
	maxNotes    = 2000
	maxCarrier  = 60
	maxTracking = 64
)

// CreateInput opens an RMA; it is also the request body.
type CreateInput struct {
	Type        string      `json:"type" doc:"return_refund, exchange, refund_only or depot_repair"`
	CustomerID  string      `json:"customer_id"`
	ComplaintID string      `json:"complaint_id,omitempty" doc:"the complaint it answers, for reference"`
	ReasonCode  string      `json:"reason_code" doc:"no_reason, quality, wrong_item, damaged_in_transit or missing_item"`
	Reason      string      `json:"reason" doc:"what the customer says; at most 1000 characters"`
	AddressID   string      `json:"address_id,omitempty" doc:"where the goods come from; default the customer's default address"`
	Lines       []LineInput `json:"lines" doc:"1 to 50 sales-order lines, of one or several orders of the customer"`
}

// LineInput asks to return a quantity of one delivered sales-order line.
type LineInput struct {
	SalesOrderID string   `json:"sales_order_id"`
	OrderLineNo  int      `json:"order_line_no" doc:"the line's number on the sales order"`
	Qty          int      `json:"qty" doc:"1 to 999, at most what was delivered and not already on another RMA"`
	Serials      []string `json:"serials,omitempty" doc:"the units coming back, one per qty; optional"`
	Condition    string   `json:"condition" doc:"unopened, opened, used or damaged"`
}

func (in CreateInput) normalize() CreateInput {
	in.Type, in.CustomerID = strings.TrimSpace(in.Type), strings.TrimSpace(in.CustomerID)
	in.ComplaintID, in.ReasonCode = strings.TrimSpace(in.ComplaintID), strings.TrimSpace(in.ReasonCode)
	in.Reason, in.AddressID = strings.TrimSpace(in.Reason), strings.TrimSpace(in.AddressID)
	lines := make([]LineInput, len(in.Lines))
	for i, l := range in.Lines {
		l.SalesOrderID, l.Condition = strings.TrimSpace(l.SalesOrderID), strings.TrimSpace(l.Condition)
		serials := make([]string, len(l.Serials))
		for j, s := range l.Serials {
			serials[j] = registry.NormalizeSerial(s)
		}
		l.Serials = serials
		lines[i] = l
	}
	in.Lines = lines
	return in
}

// Validate reports every field whose shape is wrong, at once; the service checks the
// lines against the sales orders.
func (in CreateInput) Validate() error {
	in = in.normalize()
	f := apperr.Fields{}
	f.OneOf("type", in.Type, Types()...)
	f.Required("customer_id", in.CustomerID)
	f.OneOf("reason_code", in.ReasonCode, ReasonCodes()...)
	if f.Required("reason", in.Reason) {
		f.MaxLen("reason", in.Reason, maxReason)
	}
	if len(in.Lines) == 0 || len(in.Lines) > MaxLines {
		f.Add("lines", "must hold 1 to %d lines", MaxLines)
	}
	seenLine, seenSerial := map[string]bool{}, map[string]bool{}
	for i, l := range in.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		l.check(f, p)
		key := claimKey(l.SalesOrderID, l.OrderLineNo)
		if seenLine[key] {
			f.Add(p+"order_line_no", "is on another line of this RMA")
		}
		seenLine[key] = true
		for j, s := range l.Serials {
			if seenSerial[s] {
				f.Add(fmt.Sprintf("%sserials[%d]", p, j), "appears more than once")
			}
			seenSerial[s] = true
		}
	}
	return f.Err()
}

func (l LineInput) check(f apperr.Fields, p string) {
	f.Required(p+"sales_order_id", l.SalesOrderID)
	if l.OrderLineNo < 1 {
		f.Add(p+"order_line_no", "must be 1 or more")
	}
	f.Range(p+"qty", float64(l.Qty), 1, MaxQty)
	f.OneOf(p+"condition", l.Condition, Conditions()...)
	if len(l.Serials) > 0 && len(l.Serials) != l.Qty {
		f.Add(p+"serials", "must name one serial per unit: %d serials for qty %d", len(l.Serials), l.Qty)
	}
	for j, s := range l.Serials {
		if s == "" {
			f.Add(fmt.Sprintf("%sserials[%d]", p, j), "is required")
		}
	}
}

// requireText reports a missing or over-long text field.
func requireText(f apperr.Fields, field, v string, n int) {
	if f.Required(field, v) {
		f.MaxLen(field, strings.TrimSpace(v), n)
	}
}

// ShipmentInput confirms a parcel sent with a carrier.
type ShipmentInput struct {
	Carrier    string `json:"carrier" doc:"e.g. SF Express; at most 60 characters"`
	TrackingNo string `json:"tracking_no" doc:"the carrier's tracking number; at most 64 characters"`
}

// Validate reports missing or long fields.
func (in ShipmentInput) Validate() error {
	f := apperr.Fields{}
	requireText(f, "carrier", in.Carrier, maxCarrier)
	requireText(f, "tracking_no", in.TrackingNo, maxTracking)
	return f.Err()
}

// ReasonInput carries the reason of a rejection or cancellation.
type ReasonInput struct {
	Reason string `json:"reason" doc:"at most 1000 characters"`
}

// Validate reports a missing or long reason.
func (in ReasonInput) Validate() error {
	f := apperr.Fields{}
	requireText(f, "reason", in.Reason, maxReason)
	return f.Err()
}

// OverrideInput lets a supervisor allow a line the policy found ineligible.
type OverrideInput struct {
	LineNo int    `json:"line_no" doc:"the RMA's line number"`
	Reason string `json:"reason" doc:"why; at most 1000 characters"`
}

// Validate reports missing fields.
func (in OverrideInput) Validate() error {
	f := apperr.Fields{}
	if in.LineNo < 1 {
		f.Add("line_no", "must be 1 or more")
	}
	requireText(f, "reason", in.Reason, maxReason)
	return f.Err()
}

// Decisions a supervisor can take on a blocked RMA.
const (
	DecisionAccept       = "accept"        // what arrived is acceptable: unblock
	DecisionRejectRefund = "reject_refund" // refuse the RMA; the goods go back to the customer
)

// DecideInput is a supervisor's ruling on an RMA whose receipt did not match.
type DecideInput struct {
	Decision string `json:"decision" doc:"accept or reject_refund"`
	Reason   string `json:"reason" doc:"at most 1000 characters"`
}

// Validate reports bad fields.
func (in DecideInput) Validate() error {
	f := apperr.Fields{}
	f.OneOf("decision", in.Decision, DecisionAccept, DecisionRejectRefund)
	requireText(f, "reason", in.Reason, maxReason)
	return f.Err()
}

// RefundInput pays money back.
type RefundInput struct {
	Amount   *int64 `json:"amount" doc:"minor units; at most the price of the lines refunded (of what arrived, for returns)"`
	Currency string `json:"currency" doc:"the sales orders' currency"`
	Method   string `json:"method" doc:"original, bank_transfer or store_credit"`
}

// Validate reports bad fields.
func (in RefundInput) Validate() error {
	f := apperr.Fields{}
	if in.Amount == nil {
		f.Add("amount", "is required (minor units)")
	} else if *in.Amount < 1 {
		f.Add("amount", "must be at least 1")
	}
	f.Required("currency", in.Currency)
	f.OneOf("method", in.Method, Methods()...)
	return f.Err()
}

// ReceiptInput is what a warehouse scanned out of a returned parcel.
type ReceiptInput struct {
	Lines []ReceiptLine `json:"lines" doc:"lines not listed count as nothing received"`
	Notes string        `json:"notes,omitempty" doc:"at most 2000 characters"`
}

// ReceiptLine is what arrived for one RMA line.
type ReceiptLine struct {
	LineNo          int      `json:"line_no" doc:"the RMA's line number"`
	QtyReceived     int      `json:"qty_received" doc:"0 to 999"`
	SerialsReceived []string `json:"serials_received,omitempty" doc:"the serials scanned, one per unit for serialised goods"`
}

// Validate reports bad fields; the service checks them against the RMA.
func (in ReceiptInput) Validate() error {
	f := apperr.Fields{}
	if len(in.Lines) == 0 || len(in.Lines) > MaxLines {
		f.Add("lines", "must hold 1 to %d lines", MaxLines)
	}
	for i, l := range in.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		if l.LineNo < 1 {
			f.Add(p+"line_no", "must be 1 or more")
		} else if slices.IndexFunc(in.Lines, func(o ReceiptLine) bool { return o.LineNo == l.LineNo }) < i {
			f.Add(p+"line_no", "is repeated")
		}
		f.Range(p+"qty_received", float64(l.QtyReceived), 0, MaxQty)
		if len(l.SerialsReceived) > l.QtyReceived {
			f.Add(p+"serials_received", "lists more serials than qty_received")
		}
		for j, s := range l.SerialsReceived {
			if registry.NormalizeSerial(s) == "" {
				f.Add(fmt.Sprintf("%sserials_received[%d]", p, j), "is required")
			}
		}
	}
	f.MaxLen("notes", in.Notes, maxNotes)
	return f.Err()
}

// InspectionInput grades what arrived, per line.
type InspectionInput struct {
	Lines []InspectionLine `json:"lines" doc:"every line that received goods"`
	Notes string           `json:"notes,omitempty"`
}

// InspectionLine is the grade of one RMA line.
type InspectionLine struct {
	LineNo int    `json:"line_no"`
	Grade  string `json:"grade" doc:"resaleable, defective, damaged_in_transit or not_matching"`
}

// Validate reports bad fields; the service checks them against the RMA.
func (in InspectionInput) Validate() error {
	f := apperr.Fields{}
	if len(in.Lines) == 0 || len(in.Lines) > MaxLines {
		f.Add("lines", "must hold 1 to %d lines", MaxLines)
	}
	for i, l := range in.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		if l.LineNo < 1 {
			f.Add(p+"line_no", "must be 1 or more")
		} else if slices.IndexFunc(in.Lines, func(o InspectionLine) bool { return o.LineNo == l.LineNo }) < i {
			f.Add(p+"line_no", "is repeated")
		}
		f.OneOf(p+"grade", l.Grade, Grades()...)
	}
	f.MaxLen("notes", in.Notes, maxNotes)
	return f.Err()
}

// PaidInput records that finance paid a refund.
type PaidInput struct {
	Reference string `json:"reference" doc:"the payment's reference; at most 64 characters"`
}

// Validate reports a missing reference.
func (in PaidInput) Validate() error {
	f := apperr.Fields{}
	requireText(f, "reference", in.Reference, 64)
	return f.Err()
}
