package parts

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
)

// runOps runs ops in order up to (not including) their settlement. When one is
// refused, the ones before it are undone and the refusal is answered at fields[i].
func (s *Service) runOps(ctx context.Context, ops []op, fields []string) error {
	for i, o := range ops {
		if err := s.ledger.run(ctx, o); err != nil {
			s.rollback(ctx, ops[:i])
			return atField(fields[i], err)
		}
	}
	return nil
}

// afterStock records ops (already run) in their owner through accept, then settles
// them. When accept fails the stock is put back and accept's error returned.
func (s *Service) afterStock(ctx context.Context, ops []op, accept func() error) error {
	s.ledger.at("accept")
	if err := accept(); err != nil {
		s.rollback(ctx, ops)
		return err
	}
	for _, o := range ops {
		if err := s.ledger.confirm(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// rollback undoes run operations, newest first. The undo runs before the original is
// settled: if this process dies in between, recovery finds the original pending and
// unrecorded and undoes it, and the undo's fixed id keeps that from happening twice.
func (s *Service) rollback(ctx context.Context, ops []op) {
	for i := len(ops) - 1; i >= 0; i-- {
		o := ops[i]
		if o.Serial != nil && o.Serial.From == nil {
			// Goods in: the serial did arrive; settle it rather than pretend otherwise.
			if err := s.ledger.confirm(ctx, o); err != nil {
				s.log.ErrorContext(ctx, "settle failed; left to recovery", "op", o.ID, "err", err)
			}
			continue
		}
		if err := s.ledger.undo(ctx, o); err != nil {
			s.log.ErrorContext(ctx, "undo failed; left to recovery", "op", o.ID, "ref", o.Ref, "err", err)
			continue
		}
		if err := s.ledger.confirm(ctx, o); err != nil {
			s.log.ErrorContext(ctx, "settle after undo failed; left to recovery", "op", o.ID, "err", err)
		}
	}
}

// ReceiptInput is goods in at a warehouse: a quantity of a non-serialised part, or the
// serials of a serialised one.
type ReceiptInput struct {
	WarehouseID string   `json:"warehouse_id,omitempty" doc:"defaults to the warehouse user's own"`
	PartNo      string   `json:"part_no"`
	Qty         int64    `json:"qty,omitempty" doc:"non-serialised parts"`
	Serials     []string `json:"serials,omitempty" doc:"serialised parts: one entry per unit"`
	Ref         string   `json:"ref" doc:"delivery note or purchase order"`
}

// Validate checks the request's shape.
func (in ReceiptInput) Validate() error {
	f := apperr.Fields{}
	if in.WarehouseID != "" && !ValidID(in.WarehouseID) {
		f.Add("warehouse_id", "is not a warehouse id")
	}
	if !validPartNo(NormalizePartNo(in.PartNo)) {
		f.Add("part_no", "is required")
	}
	if _, ok := normalizeSerials(in.Serials); !ok || len(in.Serials) > 500 {
		f.Add("serials", "must be at most 500 distinct serials of 1-64 letters, digits, '.', '_' or '-'")
	}
	if in.Qty < 0 || in.Qty > 100_000 {
		f.Add("qty", "must be 1 to 100000")
	}
	if f.Required("ref", in.Ref) {
		f.MaxLen("ref", in.Ref, 100)
	}
	return f.Err()
}

// Movement is what a stock change did.
type Movement struct {
	Ops    []string `json:"ops" doc:"the ledger operation ids"`
	PartNo string   `json:"part_no"`
	Qty    int64    `json:"qty"`
}

// ReceiveGoods books goods in at a warehouse.
func (s *Service) ReceiveGoods(ctx context.Context, p auth.Principal, in ReceiptInput) (Movement, error) {
	if err := in.Validate(); err != nil {
		return Movement{}, err
	}
	if in.WarehouseID == "" {
		in.WarehouseID = p.WarehouseID
	}
	if in.WarehouseID == "" {
		return Movement{}, invalid("warehouse_id", "is required")
	}
	wh := Warehouse(in.WarehouseID)
	if err := s.mustControl(ctx, p, wh, "warehouse_id"); err != nil {
		return Movement{}, err
	}
	part, err := s.partsFor(ctx, []string{in.PartNo}, func(int) string { return "part_no" }, true)
	if err != nil {
		return Movement{}, err
	}
	l, err := receiptLine(part[NormalizePartNo(in.PartNo)], in)
	if err != nil {
		return Movement{}, err
	}
	if err := s.refuseKnownSerials(ctx, l); err != nil {
		return Movement{}, err
	}
	ops := lineOps(l, ReasonReceipt, in.Ref, p, func(qty int64) []leg {
		return []leg{{Location: wh.String(), PartNo: l.PartNo, OnHand: qty}}
	}, nil, serialPos{Location: wh.String(), State: SerialInStock})
	return s.execOps(ctx, ops, l, "serials")
}

func receiptLine(part partDoc, in ReceiptInput) (lineDoc, error) {
	serials, _ := normalizeSerials(in.Serials)
	l := lineDoc{PartNo: part.ID, Serialised: part.Serialised, Serials: serials, Qty: in.Qty}
	switch {
	case part.Serialised && len(serials) == 0:
		return l, invalid("serials", "the part is serialised: list the serials received")
	case part.Serialised && in.Qty != 0 && in.Qty != int64(len(serials)):
		return l, invalid("qty", "must equal the number of serials")
	case part.Serialised:
		l.Qty = int64(len(serials))
	case len(serials) > 0:
		return l, invalid("serials", "the part is not serialised")
	case in.Qty < 1:
		return l, invalid("qty", "must be 1 to 100000")
	}
	return l, nil
}

// refuseKnownSerials answers 409 for serials already registered, before anything is
// written. (A serial registered by a racing receipt is refused by its insert instead;
// the serials booked before it stand: those goods did come in.)
func (s *Service) refuseKnownSerials(ctx context.Context, l lineDoc) error {
	if len(l.Serials) == 0 {
		return nil
	}
	keys := make([]string, len(l.Serials))
	for i, sn := range l.Serials {
		keys[i] = serialID(l.PartNo, sn)
	}
	var known []serialDoc
	if err := s.ledger.serials.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}}, &known); err != nil {
		return err
	}
	f := apperr.Fields{}
	for _, d := range known {
		f.Add(fmt.Sprintf("serials[%d]", slices.Index(l.Serials, d.Serial)), "serial %s is already registered", d.Serial)
	}
	if err := f.Err(); err != nil {
		e := err.(*apperr.Error)
		e.Code, e.Message = apperr.CodeConflict, "serial already registered"
		return e
	}
	return nil
}

// execOps runs and settles operations no other document records. Serial ops are
// independent units: a refused one stops the rest and undoes what ran.
func (s *Service) execOps(ctx context.Context, ops []op, l lineDoc, field string) (Movement, error) {
	fields := make([]string, len(ops))
	for i := range ops {
		fields[i] = field
		if l.Serialised {
			fields[i] = fmt.Sprintf("%s[%d]", field, i)
		}
	}
	if err := s.runOps(ctx, ops, fields); err != nil {
		return Movement{}, err
	}
	if err := s.afterStock(ctx, ops, func() error { return nil }); err != nil {
		return Movement{}, err
	}
	return Movement{Ops: opIDs(ops), PartNo: l.PartNo, Qty: l.Qty}, nil
}

// AdjustInput corrects the counted stock of a non-serialised part.
type AdjustInput struct {
	Location string `json:"location"`
	PartNo   string `json:"part_no"`
	Delta    int64  `json:"delta" doc:"units to add (positive) or remove (negative)"`
	Note     string `json:"note" doc:"why: the stock count, damage…"`
}

// Validate checks the request's shape.
func (in AdjustInput) Validate() error {
	f := apperr.Fields{}
	if _, err := ParseLocation(in.Location); err != nil {
		f.Add("location", "%v", err)
	}
	if !validPartNo(NormalizePartNo(in.PartNo)) {
		f.Add("part_no", "is required")
	}
	if in.Delta == 0 || in.Delta < -100_000 || in.Delta > 100_000 {
		f.Add("delta", "must be a non-zero number of units up to 100000 either way")
	}
	if f.Required("note", in.Note) {
		f.MaxLen("note", in.Note, 500)
	}
	return f.Err()
}

// Adjust books a counted difference; stock never goes below zero.
func (s *Service) Adjust(ctx context.Context, p auth.Principal, in AdjustInput) (Movement, error) {
	if err := in.Validate(); err != nil {
		return Movement{}, err
	}
	loc, _ := ParseLocation(in.Location)
	if err := s.mustControl(ctx, p, loc, "location"); err != nil {
		return Movement{}, err
	}
	parts, err := s.partsFor(ctx, []string{in.PartNo}, func(int) string { return "part_no" }, false)
	if err != nil {
		return Movement{}, err
	}
	part := parts[NormalizePartNo(in.PartNo)]
	if part.Serialised {
		return Movement{}, invalid("part_no", "serialised stock changes by serial, not by count")
	}
	o := newOp(ReasonAdjust, ids.New("ADJ"), p.Actor())
	o.Note = in.Note
	o.Legs = []leg{{Location: loc.String(), PartNo: part.ID, OnHand: in.Delta}}
	return s.execOps(ctx, []op{o}, lineDoc{PartNo: part.ID, Qty: in.Delta}, "delta")
}
