package rma

import (
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
)

// View is an RMA as the API shows it.
type View struct {
	ID             string            `json:"id"`
	RequestID      string            `json:"request_id,omitempty" doc:"the complaint's work request it answers"`
	Type           string            `json:"type"`
	Status         string            `json:"status"`
	CustomerID     string            `json:"customer_id"`
	ComplaintID    string            `json:"complaint_id,omitempty"`
	SalesOrderIDs  []string          `json:"sales_order_ids"`
	ReasonCode     string            `json:"reason_code"`
	Reason         string            `json:"reason"`
	Currency       string            `json:"currency"`
	Lines          []LineView        `json:"lines"`
	ClaimsPending  bool              `json:"claims_pending,omitempty" doc:"true for a moment while the lines are reserved"`
	WarehouseID    string            `json:"warehouse_id,omitempty"`
	WarehouseName  string            `json:"warehouse_name,omitempty"`
	RoutedAt       *time.Time        `json:"routed_at,omitempty"`
	RouteNote      string            `json:"route_note,omitempty" doc:"why no warehouse could take it yet"`
	ReturnShipment *Shipment         `json:"return_shipment,omitempty"`
	Receipt        *Receipt          `json:"receipt,omitempty"`
	RefundBlocked  bool              `json:"refund_blocked" doc:"goods that did not match arrived: a supervisor must decide"`
	Decision       *Decision         `json:"decision,omitempty"`
	Refund         *Refund           `json:"refund,omitempty"`
	RefundCap      int64             `json:"refund_cap" doc:"the most a refund may pay now, minor units"`
	Reshipment     *Shipment         `json:"reshipment,omitempty"`
	RepairReturn   *Shipment         `json:"repair_return,omitempty"`
	Outcome        string            `json:"outcome,omitempty" doc:"completed, refused, rejected or cancelled"`
	EndReason      string            `json:"end_reason,omitempty"`
	EndedAt        *time.Time        `json:"ended_at,omitempty"`
	CreatedBy      string            `json:"created_by"`
	Version        int64             `json:"version"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	History        []aggregate.Entry `json:"history,omitempty" doc:"only when reading one RMA"`
}

// LineView is an RMA line as the API shows it.
type LineView struct {
	LineNo       int          `json:"line_no"`
	SalesOrderID string       `json:"sales_order_id"`
	OrderLineNo  int          `json:"order_line_no"`
	SKU          string       `json:"sku"`
	ProductName  string       `json:"product_name"`
	Category     string       `json:"category"`
	Qty          int          `json:"qty"`
	UnitPrice    int64        `json:"unit_price" doc:"minor units"`
	Serials      []string     `json:"serials"`
	DeliveredAt  time.Time    `json:"delivered_at"`
	Condition    string       `json:"condition"`
	Policy       PolicyResult `json:"policy"`
	Override     *Override    `json:"override,omitempty"`
	Received     *LineReceipt `json:"received,omitempty"`
	Grade        string       `json:"grade,omitempty"`
}

func (r *RMA) view() View {
	v := View{ID: r.ID, RequestID: r.RequestID, Type: string(r.Type), Status: string(r.Status), CustomerID: r.CustomerID,
		ComplaintID: r.ComplaintID, SalesOrderIDs: r.SalesOrderIDs, ReasonCode: r.ReasonCode, Reason: r.Reason,
		Currency: r.Currency, ClaimsPending: r.ClaimsPending, WarehouseID: r.WarehouseID, WarehouseName: r.WarehouseName,
		RoutedAt: r.RoutedAt, RouteNote: r.RouteNote, ReturnShipment: r.ReturnShipment, Receipt: r.Receipt,
		RefundBlocked: r.RefundBlocked, Decision: r.Decision, Refund: r.Refund, RefundCap: r.refundCap(),
		Reshipment: r.Reshipment, RepairReturn: r.RepairReturn, Outcome: r.Outcome, EndReason: r.EndReason,
		EndedAt: r.EndedAt, CreatedBy: r.CreatedBy, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		History: r.History, Lines: make([]LineView, len(r.Lines))}
	if r.RequestID == r.ID {
		v.RequestID = ""
	}
	for i, l := range r.Lines {
		v.Lines[i] = LineView{LineNo: l.LineNo, SalesOrderID: l.SalesOrderID, OrderLineNo: l.OrderLineNo, SKU: l.SKU,
			ProductName: l.ProductName, Category: l.Category, Qty: l.Qty, UnitPrice: l.UnitPrice, Serials: l.Serials,
			DeliveredAt: l.DeliveredAt, Condition: l.Condition, Policy: l.Policy, Override: l.Override,
			Received: l.Received, Grade: l.Grade}
	}
	return v
}
