package registry

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// Sales-order limits.
const (
	MaxLines     = 200
	MaxQty       = 10000
	MaxUnitPrice = int64(100_000_000_000) // minor units: a billion in major units
	// ClockSkew is how far in the future a shop's timestamp may lie before it is
	// refused: shop clocks drift, but a delivery dated next week would extend a warranty.
	ClockSkew = 10 * time.Minute
)

// Delivery statuses of a sales order, derived from its lines.
const (
	DeliveryPending   = "pending"   // no line delivered
	DeliveryPartial   = "partial"   // some lines delivered
	DeliveryDelivered = "delivered" // every line delivered
)

var (
	shopOrderNoPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$`)
	currencyPattern    = regexp.MustCompile(`^[A-Z]{3}$`)
)

// SalesLineInput is one line of an imported order.
type SalesLineInput struct {
	LineNo      int      `json:"line_no" doc:"1 or more, unique in the order"`
	SKU         string   `json:"sku" doc:"an existing product"`
	Qty         int      `json:"qty" doc:"1 or more"`
	UnitPrice   *int64   `json:"unit_price" doc:"minor units (fen, cents) of the order's currency"`
	Serials     []string `json:"serials,omitempty" doc:"for serialised products: one per unit, as many as qty"`
	DeliveredAt string   `json:"delivered_at,omitempty" doc:"RFC 3339; absent until delivered (see deliveries)"`
}

// SalesOrderInput is an order imported from a shop; it is also the request body.
type SalesOrderInput struct {
	Shop        string           `json:"shop" doc:"tmall, jd, own…"`
	ShopOrderNo string           `json:"shop_order_no" doc:"the shop's order number: importing it again returns the existing order"`
	CustomerID  string           `json:"customer_id,omitempty" doc:"an existing customer; or send customer instead"`
	Customer    *CustomerInput   `json:"customer,omitempty" doc:"matched by phone; created when new"`
	OrderedAt   string           `json:"ordered_at" doc:"RFC 3339"`
	Currency    string           `json:"currency" doc:"ISO 4217 code: CNY, USD…"`
	Lines       []SalesLineInput `json:"lines"`
}

// draft checks in against now and returns the order it describes (without id and
// customer, which the service resolves). Problems go to f.
func (in SalesOrderInput) draft(f apperr.Fields, now time.Time) salesOrderDoc {
	d := salesOrderDoc{Shop: normalizeCode(in.Shop), ShopOrderNo: strings.TrimSpace(in.ShopOrderNo),
		CustomerID: strings.TrimSpace(in.CustomerID), Currency: strings.ToUpper(strings.TrimSpace(in.Currency))}
	if f.Required("shop", d.Shop) && (!codePattern.MatchString(d.Shop) || len(d.Shop) > 20) {
		f.Add("shop", "must be 2 to 20 letters, digits or _, starting with a letter")
	}
	if f.Required("shop_order_no", d.ShopOrderNo) && !shopOrderNoPattern.MatchString(d.ShopOrderNo) {
		f.Add("shop_order_no", "must be 1 to 64 letters, digits or . _ : / -")
	}
	if f.Required("currency", d.Currency) && !currencyPattern.MatchString(d.Currency) {
		f.Add("currency", "must be an ISO 4217 code such as CNY")
	}
	in.checkCustomer(f, d.CustomerID)
	d.OrderedAt, _ = parseTime(f, "ordered_at", in.OrderedAt, now)
	d.Lines = draftLines(f, in.Lines, d.OrderedAt, now)
	d.ShopKey = d.Shop + ":" + d.ShopOrderNo
	d.Serials = allSerials(d.Lines)
	d.DeliveryStatus = deliveryStatus(d.Lines)
	for _, l := range d.Lines {
		d.Total += int64(l.Qty) * l.UnitPrice
	}
	return d
}

func (in SalesOrderInput) checkCustomer(f apperr.Fields, id string) {
	switch {
	case id == "" && in.Customer == nil:
		f.Add("customer_id", "is required, or an inline customer")
	case id != "" && in.Customer != nil:
		f.Add("customer", "must be absent when customer_id is given")
	case in.Customer != nil:
		in.Customer.check(f, "customer.")
	}
}

// parseTime reads an RFC 3339 time that must not lie in the future. It reports false
// when s is absent or invalid.
func parseTime(f apperr.Fields, field, s string, now time.Time) (time.Time, bool) {
	if !f.Required(field, s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		f.Add(field, "must be an RFC 3339 time like 2026-03-02T09:00:00+08:00")
		return time.Time{}, false
	}
	t = t.UTC().Truncate(time.Millisecond)
	if t.After(now.Add(ClockSkew)) {
		f.Add(field, "must not be in the future")
		return time.Time{}, false
	}
	return t, true
}

func draftLines(f apperr.Fields, in []SalesLineInput, orderedAt, now time.Time) []lineDoc {
	if len(in) == 0 || len(in) > MaxLines {
		f.Add("lines", "must hold 1 to %d lines", MaxLines)
		return nil
	}
	lines, seenNo, seenSerial := make([]lineDoc, len(in)), map[int]bool{}, map[string]bool{}
	for i, l := range in {
		p := fmt.Sprintf("lines[%d].", i)
		lines[i] = l.draft(f, p, orderedAt, now)
		if seenNo[l.LineNo] {
			f.Add(p+"line_no", "is used by another line")
		}
		seenNo[l.LineNo] = true
		checkSerialsUnique(f, p+"serials", lines[i].Serials, seenSerial)
	}
	return lines
}

func (l SalesLineInput) draft(f apperr.Fields, p string, orderedAt, now time.Time) lineDoc {
	d := lineDoc{LineNo: l.LineNo, SKU: NormalizeSKU(l.SKU), Qty: l.Qty}
	if l.LineNo < 1 {
		f.Add(p+"line_no", "must be 1 or more")
	}
	if f.Required(p+"sku", d.SKU) && !skuPattern.MatchString(d.SKU) {
		f.Add(p+"sku", "must be 2 to 64 letters, digits, '.', '-' or '_'")
	}
	f.Range(p+"qty", float64(l.Qty), 1, MaxQty)
	if l.UnitPrice == nil {
		f.Add(p+"unit_price", "is required (minor units)")
	} else {
		f.Range(p+"unit_price", float64(*l.UnitPrice), 0, float64(MaxUnitPrice))
		d.UnitPrice = *l.UnitPrice
	}
	d.Serials = serials(f, p+"serials", l.Serials, l.Qty)
	if l.DeliveredAt != "" {
		if at, ok := parseTime(f, p+"delivered_at", l.DeliveredAt, now); ok {
			checkNotBefore(f, p+"delivered_at", at, orderedAt)
			d.DeliveredAt = &at
		}
	}
	return d
}

func checkNotBefore(f apperr.Fields, field string, at, orderedAt time.Time) {
	if !orderedAt.IsZero() && at.Before(orderedAt) {
		f.Add(field, "must not be before ordered_at")
	}
}

// serials normalises and checks a line's serials: none, or exactly one per unit.
func serials(f apperr.Fields, field string, in []string, qty int) []string {
	out := make([]string, len(in))
	for j, s := range in {
		out[j] = NormalizeSerial(s)
		if !serialPattern.MatchString(out[j]) {
			f.Add(fmt.Sprintf("%s[%d]", field, j), "must be 3 to 64 letters, digits, '.', '-' or '_'")
		}
	}
	if len(in) > 0 && len(in) != qty {
		f.Add(field, "must list one serial per unit: %d serials for qty %d", len(in), qty)
	}
	return out
}

// checkSerialsUnique refuses a serial seen before in the same order.
func checkSerialsUnique(f apperr.Fields, field string, serials []string, seen map[string]bool) {
	for j, s := range serials {
		if seen[s] {
			f.Add(fmt.Sprintf("%s[%d]", field, j), "%s appears more than once in this order", s)
		}
		seen[s] = true
	}
}

// salesOrderDoc is a sales order as stored.
type salesOrderDoc struct {
	ID             string    `bson:"_id"`
	Shop           string    `bson:"shop"`
	ShopOrderNo    string    `bson:"shop_order_no"`
	ShopKey        string    `bson:"shop_key"` // shop:shop_order_no, unique: makes imports idempotent
	CustomerID     string    `bson:"customer_id"`
	OrderedAt      time.Time `bson:"ordered_at"`
	Currency       string    `bson:"currency"`
	Lines          []lineDoc `bson:"lines"`
	Serials        []string  `bson:"serials"` // every line's serials, queryable: one sale per serial
	Total          int64     `bson:"total"`
	DeliveryStatus string    `bson:"delivery_status"`
	aggregate.Base `bson:",inline"`
}

type lineDoc struct {
	LineNo      int        `bson:"line_no"`
	SKU         string     `bson:"sku"`
	Qty         int        `bson:"qty"`
	UnitPrice   int64      `bson:"unit_price"`
	Serials     []string   `bson:"serials"`
	DeliveredAt *time.Time `bson:"delivered_at,omitempty"`
}

func allSerials(lines []lineDoc) []string {
	out := []string{}
	for _, l := range lines {
		out = append(out, l.Serials...)
	}
	return out
}

func deliveryStatus(lines []lineDoc) string {
	n := 0
	for _, l := range lines {
		if l.DeliveredAt != nil {
			n++
		}
	}
	switch {
	case n == 0:
		return DeliveryPending
	case n < len(lines):
		return DeliveryPartial
	default:
		return DeliveryDelivered
	}
}

func (d salesOrderDoc) lineIndex(n int) int {
	for i, l := range d.Lines {
		if l.LineNo == n {
			return i
		}
	}
	return -1
}

func (d salesOrderDoc) toSalesOrder() SalesOrder {
	o := SalesOrder{ID: d.ID, Shop: d.Shop, ShopOrderNo: d.ShopOrderNo, CustomerID: d.CustomerID, Currency: d.Currency,
		OrderedAt: d.OrderedAt, Version: d.Version, Lines: make([]SalesLine, len(d.Lines))}
	for i, l := range d.Lines {
		o.Lines[i] = SalesLine(l)
	}
	return o
}

// SalesLineView is a sales-order line as the API shows it.
type SalesLineView struct {
	LineNo      int        `json:"line_no"`
	SKU         string     `json:"sku"`
	Qty         int        `json:"qty"`
	UnitPrice   int64      `json:"unit_price"`
	Serials     []string   `json:"serials"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
}

// SalesOrderView is a sales order as the API shows it.
type SalesOrderView struct {
	ID             string            `json:"id"`
	Shop           string            `json:"shop"`
	ShopOrderNo    string            `json:"shop_order_no"`
	CustomerID     string            `json:"customer_id"`
	OrderedAt      time.Time         `json:"ordered_at"`
	Currency       string            `json:"currency"`
	Total          int64             `json:"total" doc:"sum of qty × unit_price, minor units"`
	DeliveryStatus string            `json:"delivery_status" doc:"pending, partial or delivered"`
	Lines          []SalesLineView   `json:"lines"`
	Version        int64             `json:"version"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	History        []aggregate.Entry `json:"history,omitempty"`
}

func (d salesOrderDoc) view() SalesOrderView {
	v := SalesOrderView{ID: d.ID, Shop: d.Shop, ShopOrderNo: d.ShopOrderNo, CustomerID: d.CustomerID,
		OrderedAt: d.OrderedAt, Currency: d.Currency, Total: d.Total, DeliveryStatus: d.DeliveryStatus,
		Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, History: d.History,
		Lines: make([]SalesLineView, len(d.Lines))}
	for i, l := range d.Lines {
		v.Lines[i] = SalesLineView(l)
	}
	return v
}
