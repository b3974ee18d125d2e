package rma

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/registry"
)

// drafter checks an RMA's lines against the registry and builds the RMA document.
// Directory answers are cached per request: lines often share an order and a product.
type drafter struct {
	s        *Service
	now      time.Time
	f        apperr.Fields
	orders   map[string]*registry.SalesOrder
	products map[string]*registry.Product
}

// draft builds the RMA in describes (without id), or returns every problem at once.
func (s *Service) draft(ctx context.Context, in CreateInput) (*RMA, error) {
	in = in.normalize()
	d := &drafter{s: s, now: s.clock.Now(), f: apperr.Fields{}, orders: map[string]*registry.SalesOrder{},
		products: map[string]*registry.Product{}}
	r := &RMA{Type: Type(in.Type), Status: StatusRequested, CustomerID: in.CustomerID, ComplaintID: in.ComplaintID,
		ReasonCode: in.ReasonCode, Reason: in.Reason, ClaimsPending: true, SalesOrderIDs: []string{}, Serials: []string{}}
	if err := d.customer(ctx, r, in.AddressID); err != nil {
		return nil, err
	}
	for i, l := range in.Lines {
		line, err := d.line(ctx, r, fmt.Sprintf("lines[%d].", i), l)
		if err != nil {
			return nil, err
		}
		line.LineNo = i + 1
		r.Lines = append(r.Lines, line)
		if !slices.Contains(r.SalesOrderIDs, line.SalesOrderID) {
			r.SalesOrderIDs = append(r.SalesOrderIDs, line.SalesOrderID)
		}
		r.Serials = append(r.Serials, line.Serials...)
	}
	if len(r.Lines) > 0 {
		r.Category = r.Lines[0].Category
	}
	return r, d.f.Err()
}

// customer checks the customer and takes where the goods come from.
func (d *drafter) customer(ctx context.Context, r *RMA, addressID string) error {
	c, err := d.s.dir.Customer(ctx, r.CustomerID)
	if errors.Is(err, apperr.ErrNotFound) {
		d.f.Add("customer_id", "no such customer")
		return nil
	}
	if err != nil {
		return err
	}
	a, ok := c.DefaultAddress()
	if addressID != "" {
		i := slices.IndexFunc(c.Addresses, func(a registry.Address) bool { return a.ID == addressID })
		if ok = i >= 0; ok {
			a = c.Addresses[i]
		} else {
			d.f.Add("address_id", "is not an address of the customer")
		}
	}
	if !ok && addressID == "" && r.Type.goodsBack() {
		d.f.Add("customer_id", "the customer has no address the goods could come from")
	}
	r.Lat, r.Lon = a.Lat, a.Lon
	return nil
}

// line checks one line against its sales order and runs the policy on it.
func (d *drafter) line(ctx context.Context, r *RMA, p string, in LineInput) (Line, error) {
	o, err := d.order(ctx, p, in.SalesOrderID)
	if err != nil || o == nil {
		return Line{}, err
	}
	if o.CustomerID != r.CustomerID {
		d.f.Add(p+"sales_order_id", "is an order of another customer")
		return Line{}, nil
	}
	sl, ok := o.Line(in.OrderLineNo)
	if !ok {
		d.f.Add(p+"order_line_no", "is not a line of sales order %s", o.ID)
		return Line{}, nil
	}
	d.checkLine(p, r, o, sl, in)
	if sl.DeliveredAt == nil {
		return Line{}, nil
	}
	prod, err := d.product(ctx, p, sl.SKU)
	if err != nil || prod == nil {
		return Line{}, err
	}
	l := Line{SalesOrderID: o.ID, OrderLineNo: sl.LineNo, SKU: sl.SKU, ProductName: prod.Name, Category: prod.Category,
		Qty: in.Qty, Delivered: sl.Qty, UnitPrice: sl.UnitPrice, Serials: in.Serials, OrderSerials: sl.Serials,
		DeliveredAt: *sl.DeliveredAt, Condition: in.Condition}
	if l.Serials == nil {
		l.Serials = []string{}
	}
	if l.OrderSerials == nil {
		l.OrderSerials = []string{}
	}
	end, err := d.warrantyEnd(ctx, l, *prod)
	if err != nil {
		return Line{}, err
	}
	l.Policy = d.s.policy.check(r.Type, r.ReasonCode,
		lineFacts{DeliveredAt: l.DeliveredAt, WarrantyEnd: end, Product: *prod, Condition: l.Condition}, d.now)
	return l, nil
}

// checkLine reports what the sales line cannot give: undelivered goods, more than was
// delivered, serials it did not sell, another currency.
func (d *drafter) checkLine(p string, r *RMA, o *registry.SalesOrder, sl registry.SalesLine, in LineInput) {
	switch {
	case sl.DeliveredAt == nil:
		d.f.Add(p+"order_line_no", "is not delivered yet")
	case in.Qty > sl.Qty:
		d.f.Add(p+"qty", "must be at most %d, the quantity delivered", sl.Qty)
	}
	for j, s := range in.Serials {
		if !slices.Contains(sl.Serials, s) {
			d.f.Add(fmt.Sprintf("%sserials[%d]", p, j), "%s was not sold on this line", s)
		}
	}
	switch {
	case r.Currency == "":
		r.Currency = o.Currency
	case r.Currency != o.Currency:
		d.f.Add(p+"sales_order_id", "is in %s; one RMA refunds in one currency (%s)", o.Currency, r.Currency)
	}
}

func (d *drafter) order(ctx context.Context, p, id string) (*registry.SalesOrder, error) {
	if o, ok := d.orders[id]; ok {
		if o == nil {
			d.f.Add(p+"sales_order_id", "no such sales order")
		}
		return o, nil
	}
	o, err := d.s.dir.SalesOrder(ctx, id)
	if errors.Is(err, apperr.ErrNotFound) {
		d.orders[id] = nil
		d.f.Add(p+"sales_order_id", "no such sales order")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d.orders[id] = &o
	return &o, nil
}

func (d *drafter) product(ctx context.Context, p, sku string) (*registry.Product, error) {
	if prod, ok := d.products[sku]; ok {
		return prod, nil
	}
	prod, err := d.s.dir.Product(ctx, sku)
	if errors.Is(err, apperr.ErrNotFound) {
		d.f.Add(p+"order_line_no", "sells %s, which is not in the catalogue", sku)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d.products[sku] = &prod
	return &prod, nil
}

// warrantyEnd is the registered unit's warranty end when the line names a serial (the
// terms it was sold with), else the product's warranty from delivery.
func (d *drafter) warrantyEnd(ctx context.Context, l Line, prod registry.Product) (time.Time, error) {
	if len(l.Serials) > 0 {
		u, err := d.s.dir.Unit(ctx, l.Serials[0])
		switch {
		case err == nil:
			return u.WarrantyEnd, nil
		case !errors.Is(err, apperr.ErrNotFound):
			return time.Time{}, err
		}
	}
	return registry.WarrantyEnd(l.DeliveredAt, prod.WarrantyMonths), nil
}
