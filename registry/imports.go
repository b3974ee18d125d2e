package registry

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/queue"
)

// ImportSalesOrder imports an order from a shop and registers the units of its
// delivered lines. It is idempotent on (shop, shop_order_no): importing an order that
// exists returns the stored order and false, and changes nothing.
func (s *Service) ImportSalesOrder(ctx context.Context, actor aggregate.Actor, in SalesOrderInput) (SalesOrderView, bool, error) {
	d, products, err := s.prepareOrder(ctx, in)
	if err != nil {
		return SalesOrderView{}, false, err
	}
	if existing, found, err := s.orderByShopKey(ctx, d.ShopKey); err != nil || found {
		return existing.view(), false, err
	}
	if err := s.checkSerialsFree(ctx, "", d.Serials, orderSerialFields(d.Lines)); err != nil {
		// A concurrent import of this same order may have claimed them meanwhile.
		if existing, found, ferr := s.orderByShopKey(ctx, d.ShopKey); ferr == nil && found {
			return existing.view(), false, nil
		}
		return SalesOrderView{}, false, err
	}
	if in.Customer != nil {
		if d.CustomerID, err = s.customerForOrder(ctx, actor, *in.Customer); err != nil {
			return SalesOrderView{}, false, err
		}
	}
	d.ID = ids.New("SAL")
	entry := aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: "imported", To: d.DeliveryStatus,
		Note: fmt.Sprintf("%s order %s", d.Shop, d.ShopOrderNo)}
	if err := s.orders.Create(ctx, d.ID, d, entry, deliveredEvents(d)...); err != nil {
		if errors.Is(err, apperr.ErrConflict) { // lost the race to an import of the same order
			existing, _, ferr := s.orderByShopKey(ctx, d.ShopKey)
			return existing.view(), false, ferr
		}
		return SalesOrderView{}, false, err
	}
	for _, l := range d.Lines {
		s.registerUnits(ctx, d, l, products[l.SKU])
	}
	v, err := s.GetSalesOrder(ctx, d.ID)
	return v, true, err
}

// prepareOrder validates in as a whole, including that its products and customer exist.
func (s *Service) prepareOrder(ctx context.Context, in SalesOrderInput) (salesOrderDoc, map[string]productDoc, error) {
	f := apperr.Fields{}
	d := in.draft(f, s.clock.Now())
	skus := []string{}
	for _, l := range d.Lines {
		skus = append(skus, l.SKU)
	}
	products, err := s.productsBySKU(ctx, skus)
	if err != nil {
		return d, nil, err
	}
	for i, l := range d.Lines {
		if _, ok := products[l.SKU]; !ok && l.SKU != "" {
			f.Add(fmt.Sprintf("lines[%d].sku", i), "no such product")
		}
	}
	if d.CustomerID != "" {
		if n, err := s.customers.Collection().Count(ctx, bson.D{{Key: "_id", Value: d.CustomerID}}); err != nil {
			return d, nil, err
		} else if n == 0 {
			f.Add("customer_id", "no such customer")
		}
	}
	return d, products, f.Err()
}

func (s *Service) orderByShopKey(ctx context.Context, key string) (salesOrderDoc, bool, error) {
	var d salesOrderDoc
	err := s.orders.Collection().FindOne(ctx, bson.D{{Key: "shop_key", Value: key}}, &d)
	if errors.Is(err, mongox.ErrNotFound) {
		return d, false, nil
	}
	return d, err == nil, err
}

// deliveredEvents asks for the units of every delivered line with serials to be
// registered: registerUnits does it at once, and the event does it again after a crash.
func deliveredEvents(d salesOrderDoc) []aggregate.Event {
	var out []aggregate.Event
	for _, l := range d.Lines {
		if l.DeliveredAt != nil && len(l.Serials) > 0 {
			out = append(out, saleDeliveredEvent(d.ID, l.LineNo))
		}
	}
	return out
}

func saleDeliveredEvent(orderID string, lineNo int) aggregate.Event {
	return aggregate.NewEvent(TypeSaleDelivered, queue.Default, SaleDelivered{SalesOrderID: orderID, LineNo: lineNo})
}

// registerUnits is the fast path of a delivered line's units. A failure is only logged:
// the line's TypeSaleDelivered event retries it.
func (s *Service) registerUnits(ctx context.Context, o salesOrderDoc, l lineDoc, p productDoc) {
	if l.DeliveredAt == nil || len(l.Serials) == 0 {
		return
	}
	if err := s.ensureUnits(ctx, o, l, p); err != nil {
		s.log.WarnContext(ctx, "registering units failed; the sale_delivered event retries",
			"sales_order_id", o.ID, "line_no", l.LineNo, "err", err)
	}
}

// orderSerialFields names each serial's request field, for conflict details.
func orderSerialFields(lines []lineDoc) map[string]string {
	out := map[string]string{}
	for i, l := range lines {
		for j, sn := range l.Serials {
			out[sn] = fmt.Sprintf("lines[%d].serials[%d]", i, j)
		}
	}
	return out
}

// checkSerialsFree refuses serials that a unit or an order other than orderID already
// holds: a serial is one physical unit and belongs to one sale.
func (s *Service) checkSerialsFree(ctx context.Context, orderID string, serials []string, fields map[string]string) error {
	if len(serials) == 0 {
		return nil
	}
	taken, err := s.takenSerials(ctx, orderID, serials)
	if err != nil || len(taken) == 0 {
		return err
	}
	e := &apperr.Error{Code: apperr.CodeConflict, Message: "a serial number already belongs to another sale",
		Details: map[string]string{}}
	for sn := range taken {
		e.Details[fields[sn]] = sn + " is already registered to another sale"
	}
	return e
}

func (s *Service) takenSerials(ctx context.Context, orderID string, serials []string) (map[string]bool, error) {
	in := bson.D{{Key: "$in", Value: serials}}
	var units []unitDoc
	if err := s.units.Find(ctx, bson.D{{Key: "_id", Value: in}}, &units); err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, u := range units {
		if u.SalesOrderID != orderID {
			taken[u.Serial] = true
		}
	}
	var orders []salesOrderDoc
	filter := bson.D{{Key: "serials", Value: in}, {Key: "_id", Value: bson.D{{Key: "$ne", Value: orderID}}}}
	opts := options.Find().SetProjection(bson.D{{Key: "serials", Value: 1}})
	if err := s.orders.Collection().Find(ctx, filter, &orders, opts); err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, sn := range serials {
		wanted[sn] = true
	}
	for _, o := range orders {
		for _, sn := range o.Serials {
			if wanted[sn] {
				taken[sn] = true
			}
		}
	}
	return taken, nil
}

// GetSalesOrder returns the sales order with id as the API shows it.
func (s *Service) GetSalesOrder(ctx context.Context, id string) (SalesOrderView, error) {
	var d salesOrderDoc
	err := s.orders.Load(ctx, id, &d)
	return d.view(), err
}

// SalesOrderQuery filters a list of sales orders; empty fields do not filter.
type SalesOrderQuery struct {
	CustomerID string
	Shop       string
}

// ListSalesOrders returns a page of sales orders matching q, ordered by id.
func (s *Service) ListSalesOrders(ctx context.Context, q SalesOrderQuery, page httpx.Page) (httpx.PageResult[SalesOrderView], error) {
	filter := bson.D{}
	if q.CustomerID != "" {
		filter = append(filter, bson.E{Key: "customer_id", Value: q.CustomerID})
	}
	if q.Shop != "" {
		filter = append(filter, bson.E{Key: "shop", Value: normalizeCode(q.Shop)})
	}
	var docs []salesOrderDoc
	if err := s.orders.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(listProjection)); err != nil {
		return httpx.PageResult[SalesOrderView]{}, err
	}
	out := make([]SalesOrderView, len(docs))
	for i, d := range docs {
		out[i] = d.view()
	}
	return httpx.NewPageResult(out, page.Limit, func(v SalesOrderView) string { return v.ID }), nil
}
