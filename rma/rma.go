// Package rma owns returns, exchanges, refunds and depot repairs: RMAs whose lines are
// claimed against delivered sales-order lines, checked against warranty and return policy,
// approved, routed to a warehouse, received, inspected and settled by a refund, a
// replacement or a repair.
// Warehouses work the RMAs routed to them through the staff API; finance reads refunds.
package rma

import (
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
)

// Type is what the customer gets back.
type Type string

// RMA types.
const (
	TypeReturnRefund Type = "return_refund" // goods back, money back
	TypeExchange     Type = "exchange"      // goods back, a replacement shipped
	TypeRefundOnly   Type = "refund_only"   // no goods back: missing item, damage the customer keeps
	TypeDepotRepair  Type = "depot_repair"  // goods back, repaired, shipped back
)

// Types lists the RMA types.
func Types() []string {
	return []string{string(TypeReturnRefund), string(TypeExchange), string(TypeRefundOnly), string(TypeDepotRepair)}
}

// goodsBack reports whether the customer sends goods to a warehouse.
func (t Type) goodsBack() bool { return t != TypeRefundOnly }

// Status is where an RMA is in its lifecycle.
type Status string

// Statuses.
const (
	StatusRequested          Status = "requested"
	StatusApproved           Status = "approved"
	StatusRejected           Status = "rejected"
	StatusAwaitingReturn     Status = "awaiting_return"
	StatusReceived           Status = "received"
	StatusInspected          Status = "inspected"
	StatusRefunded           Status = "refunded"
	StatusReplacementShipped Status = "replacement_shipped"
	StatusRepairedReturned   Status = "repaired_returned"
	StatusClosed             Status = "closed"
	StatusCancelled          Status = "cancelled"
)

// Statuses lists every status.
func Statuses() []string {
	out := []string{}
	for _, s := range []Status{StatusRequested, StatusApproved, StatusRejected, StatusAwaitingReturn, StatusReceived,
		StatusInspected, StatusRefunded, StatusReplacementShipped, StatusRepairedReturned, StatusClosed, StatusCancelled} {
		out = append(out, string(s))
	}
	return out
}

// Reason codes: why the customer sends goods back. They decide which window applies.
const (
	ReasonNoReason         = "no_reason" // change of mind: the short no-reason window
	ReasonQuality          = "quality"   // a defect
	ReasonWrongItem        = "wrong_item"
	ReasonDamagedInTransit = "damaged_in_transit"
	ReasonMissingItem      = "missing_item"
)

// ReasonCodes lists the reason codes.
func ReasonCodes() []string {
	return []string{ReasonNoReason, ReasonQuality, ReasonWrongItem, ReasonDamagedInTransit, ReasonMissingItem}
}

// Conditions the customer reports the goods in.
const (
	ConditionUnopened = "unopened"
	ConditionOpened   = "opened"
	ConditionUsed     = "used"
	ConditionDamaged  = "damaged"
)

// Conditions lists the conditions.
func Conditions() []string {
	return []string{ConditionUnopened, ConditionOpened, ConditionUsed, ConditionDamaged}
}

// Inspection grades.
const (
	GradeResaleable       = "resaleable"
	GradeDefective        = "defective"
	GradeDamagedInTransit = "damaged_in_transit"
	GradeNotMatching      = "not_matching"
)

// Grades lists the inspection grades.
func Grades() []string {
	return []string{GradeResaleable, GradeDefective, GradeDamagedInTransit, GradeNotMatching}
}

// Receipt results per line.
const (
	ReceiptMatching    = "matching"
	ReceiptShort       = "short"
	ReceiptExcess      = "excess"
	ReceiptNotMatching = "not_matching" // a serial that does not belong to the RMA arrived
)

// Outcomes of an RMA that has ended.
const (
	OutcomeCompleted = "completed" // refunded, replaced or repaired
	OutcomeRefused   = "refused"   // a supervisor refused it after the goods arrived
	OutcomeRejected  = "rejected"
	OutcomeCancelled = "cancelled"
)

// Refund methods.
const (
	MethodOriginal     = "original" // back to the original payment
	MethodBankTransfer = "bank_transfer"
	MethodStoreCredit  = "store_credit"
)

// Methods lists the refund methods.
func Methods() []string { return []string{MethodOriginal, MethodBankTransfer, MethodStoreCredit} }

// RMA is a return merchandise authorisation as stored: one aggregate document.
type RMA struct {
	ID            string   `bson:"_id"`
	RequestID     string   `bson:"request_id"` // the complaint's work request, or the RMA's own id
	Type          Type     `bson:"type"`
	Status        Status   `bson:"status"`
	CustomerID    string   `bson:"customer_id"`
	ComplaintID   string   `bson:"complaint_id,omitempty"`
	SalesOrderIDs []string `bson:"sales_order_ids"` // queryable: every line's order
	Serials       []string `bson:"serials"`         // queryable: every line's named serials
	ReasonCode    string   `bson:"reason_code"`
	Reason        string   `bson:"reason"`
	Currency      string   `bson:"currency"`
	Lines         []Line   `bson:"lines"`
	// ClaimsPending is true from the insert until every line's quantity is reserved;
	// the claims check repairs an RMA whose creator died in between.
	ClaimsPending bool    `bson:"claims_pending"`
	Category      string  `bson:"category"` // the first line's: what routing looks for
	Lat           float64 `bson:"lat"`      // where the goods come from
	Lon           float64 `bson:"lon"`
	CreatedBy     string  `bson:"created_by"`

	WarehouseID    string     `bson:"warehouse_id,omitempty"`
	WarehouseName  string     `bson:"warehouse_name,omitempty"`
	RoutedAt       *time.Time `bson:"routed_at,omitempty"`
	RouteAttempts  int        `bson:"route_attempts,omitempty"`
	RouteNote      string     `bson:"route_note,omitempty"`
	ReturnShipment *Shipment  `bson:"return_shipment,omitempty"`
	Receipt        *Receipt   `bson:"receipt,omitempty"`
	RefundBlocked  bool       `bson:"refund_blocked"`
	Decision       *Decision  `bson:"decision,omitempty"`
	Refund         *Refund    `bson:"refund,omitempty"`
	Reshipment     *Shipment  `bson:"reshipment,omitempty"`
	RepairReturn   *Shipment  `bson:"repair_return,omitempty"`
	Outcome        string     `bson:"outcome,omitempty"`
	EndReason      string     `bson:"end_reason,omitempty"`
	EndedAt        *time.Time `bson:"ended_at,omitempty"`

	aggregate.Base `bson:",inline"`
}

// Line is one sales-order line (or part of one) coming back.
type Line struct {
	LineNo       int          `bson:"line_no"` // 1.. within the RMA
	SalesOrderID string       `bson:"sales_order_id"`
	OrderLineNo  int          `bson:"order_line_no"`
	SKU          string       `bson:"sku"`
	ProductName  string       `bson:"product_name"`
	Category     string       `bson:"category"`
	Qty          int          `bson:"qty"`
	Delivered    int          `bson:"delivered"` // the sales line's delivered quantity
	UnitPrice    int64        `bson:"unit_price"`
	Serials      []string     `bson:"serials"`       // named serials coming back
	OrderSerials []string     `bson:"order_serials"` // every serial the line sold
	DeliveredAt  time.Time    `bson:"delivered_at"`
	Condition    string       `bson:"condition"`
	Policy       PolicyResult `bson:"policy"`
	Override     *Override    `bson:"override,omitempty"`
	Received     *LineReceipt `bson:"received,omitempty"`
	Grade        string       `bson:"grade,omitempty"`
}

// allowed reports whether the line may be approved: eligible, or overridden.
func (l Line) allowed() bool { return l.Policy.Eligible || l.Override != nil }

// claim is the line's reservation request.
func (l Line) claim(rmaID string) claimRequest {
	return claimRequest{Key: claimKey(l.SalesOrderID, l.OrderLineNo), Hold: holdKey(rmaID, l.LineNo),
		Delivered: l.Delivered, Qty: l.Qty, Serials: l.Serials}
}

// expectedSerials are the serials a receipt may hold for the line: the named ones, or
// any the sales line sold when none were named.
func (l Line) expectedSerials() []string {
	if len(l.Serials) > 0 {
		return l.Serials
	}
	return l.OrderSerials
}

// Override is a supervisor's decision to allow an ineligible line.
type Override struct {
	By     string    `bson:"by" json:"by"`
	Role   string    `bson:"role" json:"role"`
	At     time.Time `bson:"at" json:"at"`
	Reason string    `bson:"reason" json:"reason"`
}

// Shipment is a parcel on its way, with the carrier's tracking number.
type Shipment struct {
	Carrier    string    `bson:"carrier" json:"carrier"`
	TrackingNo string    `bson:"tracking_no" json:"tracking_no"`
	At         time.Time `bson:"at" json:"at"`
	By         string    `bson:"by" json:"by"`
}

// Receipt is the warehouse's record of a parcel's arrival.
type Receipt struct {
	At    time.Time `bson:"at" json:"at"`
	By    string    `bson:"by" json:"by"`
	Notes string    `bson:"notes,omitempty" json:"notes,omitempty"`
}

// LineReceipt is what arrived for one line.
type LineReceipt struct {
	Qty        int      `bson:"qty" json:"qty"`
	Serials    []string `bson:"serials" json:"serials"`
	Unexpected []string `bson:"unexpected" json:"unexpected" doc:"serials that do not belong to the RMA line"`
	Missing    []string `bson:"missing" json:"missing" doc:"named serials that did not arrive"`
	Result     string   `bson:"result" json:"result" doc:"matching, short, excess or not_matching"`
}

// Decision is a supervisor's ruling on a blocked RMA.
type Decision struct {
	Decision string    `bson:"decision" json:"decision"`
	Reason   string    `bson:"reason" json:"reason"`
	By       string    `bson:"by" json:"by"`
	At       time.Time `bson:"at" json:"at"`
}

// Refund is the money an RMA pays back; finance sees it as a refund record.
type Refund struct {
	ID       string    `bson:"id" json:"id"`
	Amount   int64     `bson:"amount" json:"amount" doc:"minor units"`
	Currency string    `bson:"currency" json:"currency"`
	Method   string    `bson:"method" json:"method"`
	By       string    `bson:"by" json:"by"`
	At       time.Time `bson:"at" json:"at"`
}

// line returns the line numbered n.
func (r *RMA) line(n int) (Line, bool) {
	i := slices.IndexFunc(r.Lines, func(l Line) bool { return l.LineNo == n })
	if i < 0 {
		return Line{}, false
	}
	return r.Lines[i], true
}

// refundCap is the most the RMA may refund: the price of what the customer keeps
// nothing of. Goods that must come back count only as far as they arrived.
func (r *RMA) refundCap() int64 {
	var total int64
	for _, l := range r.Lines {
		qty := l.Qty
		if r.Type.goodsBack() {
			qty = 0
			if l.Received != nil {
				qty = min(l.Received.Qty, l.Qty)
			}
		}
		total += int64(qty) * l.UnitPrice
	}
	return total
}

// receivedForeign reports whether any line arrived with goods that are not the RMA's.
func (r *RMA) receivedForeign() bool {
	return slices.ContainsFunc(r.Lines, func(l Line) bool { return l.Received != nil && l.Received.Result == ReceiptNotMatching })
}

// gradedNotMatching reports whether an inspection found any line's goods not matching.
func (r *RMA) gradedNotMatching() bool {
	return slices.ContainsFunc(r.Lines, func(l Line) bool { return l.Grade == GradeNotMatching })
}
