package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// DeliveryInput marks one line of a sales order delivered; it is also the request body.
type DeliveryInput struct {
	LineNo      int      `json:"line_no"`
	DeliveredAt string   `json:"delivered_at" doc:"RFC 3339; the warranty runs from here"`
	Serials     []string `json:"serials,omitempty" doc:"one per unit; may be left out when the line was imported with its serials"`
}

// deliveryAttempts bounds retries when another change to the same order lands between
// reading it and writing the delivery (two lines delivered at once).
const deliveryAttempts = 4

// DeliverLine marks a line delivered and registers its units, in one conditional
// update of the order. Repeating the same delivery changes nothing; delivering a
// delivered line differently is a conflict.
func (s *Service) DeliverLine(ctx context.Context, actor aggregate.Actor, orderID string, in DeliveryInput) (SalesOrderView, error) {
	for attempt := 1; ; attempt++ {
		v, err := s.deliverOnce(ctx, actor, orderID, in)
		if !errors.Is(err, apperr.ErrVersionConflict) || attempt == deliveryAttempts {
			return v, err
		}
	}
}

func (s *Service) deliverOnce(ctx context.Context, actor aggregate.Actor, orderID string, in DeliveryInput) (SalesOrderView, error) {
	var o salesOrderDoc
	if err := s.orders.Load(ctx, orderID, &o); err != nil {
		return SalesOrderView{}, err
	}
	idx, at, sns, err := in.check(o, s.clock.Now())
	if err != nil {
		return SalesOrderView{}, err
	}
	l := o.Lines[idx]
	if l.DeliveredAt != nil {
		return s.redelivery(ctx, o, l, at, sns)
	}
	fields := map[string]string{}
	for j, sn := range sns {
		fields[sn] = fmt.Sprintf("serials[%d]", j)
	}
	if err := s.checkSerialsFree(ctx, o.ID, sns, fields); err != nil {
		return SalesOrderView{}, err
	}
	from := o.DeliveryStatus
	o.Lines[idx].DeliveredAt, o.Lines[idx].Serials = &at, sns
	o.Serials, o.DeliveryStatus = allSerials(o.Lines), deliveryStatus(o.Lines)
	c := aggregate.Change{ID: o.ID, Version: o.Version,
		Set: bson.D{{Key: "lines", Value: o.Lines}, {Key: "serials", Value: o.Serials}, {Key: "delivery_status", Value: o.DeliveryStatus}},
		Entry: aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: "delivered", From: from, To: o.DeliveryStatus,
			Note: fmt.Sprintf("line %d", l.LineNo)}}
	if len(sns) > 0 {
		c.Events = []aggregate.Event{saleDeliveredEvent(o.ID, l.LineNo)}
	}
	if err := s.orders.Apply(ctx, c); err != nil {
		return SalesOrderView{}, err
	}
	if err := s.registerLine(ctx, o, o.Lines[idx]); err != nil {
		return SalesOrderView{}, err
	}
	return s.GetSalesOrder(ctx, o.ID)
}

// redelivery answers a delivery of a line that is already delivered: the same delivery
// again is a success (and repairs units a crash may have left out), another a conflict.
func (s *Service) redelivery(ctx context.Context, o salesOrderDoc, l lineDoc, at time.Time, sns []string) (SalesOrderView, error) {
	if !l.DeliveredAt.Equal(at) || !sameSerials(l.Serials, sns) {
		return SalesOrderView{}, apperr.Conflict("line %d was already delivered at %s", l.LineNo, l.DeliveredAt.Format(time.RFC3339))
	}
	if err := s.registerLine(ctx, o, l); err != nil {
		return SalesOrderView{}, err
	}
	return o.view(), nil
}

// registerLine loads the line's product and registers its units at once; failures are
// logged and left to the line's event.
func (s *Service) registerLine(ctx context.Context, o salesOrderDoc, l lineDoc) error {
	if len(l.Serials) == 0 {
		return nil
	}
	p, err := s.loadProduct(ctx, l.SKU)
	if err != nil {
		return err
	}
	s.registerUnits(ctx, o, l, p)
	return nil
}

// check validates the delivery against the order and returns the line's index, the
// delivery time and the line's serials (the imported ones when none are sent).
func (in DeliveryInput) check(o salesOrderDoc, now time.Time) (int, time.Time, []string, error) {
	f := apperr.Fields{}
	at, ok := parseTime(f, "delivered_at", in.DeliveredAt, now)
	if ok {
		checkNotBefore(f, "delivered_at", at, o.OrderedAt)
	}
	idx := o.lineIndex(in.LineNo)
	if idx < 0 {
		f.Add("line_no", "no such line on this order")
		return 0, at, nil, f.Err()
	}
	l := o.Lines[idx]
	sns := serials(f, "serials", in.Serials, l.Qty)
	switch {
	case len(sns) == 0:
		sns = l.Serials
	case len(l.Serials) > 0 && !sameSerials(l.Serials, sns):
		f.Add("serials", "must be the serials the line was imported with")
	default:
		onOtherLines := map[string]bool{}
		for _, other := range o.Lines {
			for _, sn := range other.Serials {
				onOtherLines[sn] = other.LineNo != l.LineNo
			}
		}
		checkSerialsUnique(f, "serials", sns, onOtherLines)
	}
	return idx, at, sns, f.Err()
}

func sameSerials(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
