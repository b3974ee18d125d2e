package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/mongox"
)

// maxHistory bounds the history a unit view shows, newest first.
const maxHistory = 200

// errSerialTaken is a unit that exists for another sale than the one registering it.
var errSerialTaken = errors.New("serial is registered to another sale")

// unitDoc is a unit as stored: one plain document per serial, whose _id is the serial.
// Product name, category and warranty are copied at sale: later product changes do not
// rewrite the warranty a unit was sold with.
type unitDoc struct {
	Serial         string    `bson:"_id"`
	SKU            string    `bson:"sku"`
	ProductName    string    `bson:"product_name"`
	Category       string    `bson:"category"`
	CustomerID     string    `bson:"customer_id"`
	SalesOrderID   string    `bson:"sales_order_id"`
	LineNo         int       `bson:"line_no"`
	PurchasedAt    time.Time `bson:"purchased_at"` // the line's delivery: the warranty runs from it
	WarrantyMonths int       `bson:"warranty_months"`
	WarrantyEnd    time.Time `bson:"warranty_end"`
	Version        int64     `bson:"version"`
	CreatedAt      time.Time `bson:"created_at"`
}

func newUnitDoc(o salesOrderDoc, l lineDoc, p productDoc, serial string, now time.Time) unitDoc {
	return unitDoc{Serial: serial, SKU: l.SKU, ProductName: p.Name, Category: p.Category, CustomerID: o.CustomerID,
		SalesOrderID: o.ID, LineNo: l.LineNo, PurchasedAt: *l.DeliveredAt, WarrantyMonths: p.WarrantyMonths,
		WarrantyEnd: WarrantyEnd(*l.DeliveredAt, p.WarrantyMonths), Version: 1, CreatedAt: now}
}

func (d unitDoc) toUnit() Unit {
	return Unit{Serial: d.Serial, SKU: d.SKU, ProductName: d.ProductName, Category: d.Category, CustomerID: d.CustomerID,
		SalesOrderID: d.SalesOrderID, LineNo: d.LineNo, PurchasedAt: d.PurchasedAt, WarrantyEnd: d.WarrantyEnd}
}

func (s *Service) loadUnit(ctx context.Context, serial string) (unitDoc, error) {
	var d unitDoc
	err := s.units.FindByID(ctx, NormalizeSerial(serial), &d)
	return d, findNotFound(err, "unit")
}

// ensureUnits registers a delivered line's units and records their sale. It is
// idempotent: units that exist for this line are kept; one held by another sale is
// errSerialTaken.
func (s *Service) ensureUnits(ctx context.Context, o salesOrderDoc, l lineDoc, p productDoc) error {
	for _, sn := range l.Serials {
		u := newUnitDoc(o, l, p, sn, s.clock.Now())
		err := s.units.Insert(ctx, u)
		if errors.Is(err, mongox.ErrDuplicate) {
			if u, err = s.loadUnit(ctx, sn); err == nil && (u.SalesOrderID != o.ID || u.LineNo != l.LineNo) {
				err = fmt.Errorf("unit %s held by %s line %d: %w", sn, u.SalesOrderID, u.LineNo, errSerialTaken)
			}
		}
		if err != nil {
			return err
		}
		if err := s.recordSale(ctx, o, u); err != nil {
			return err
		}
	}
	return nil
}

// historyDoc is one entry of a unit's service history. Its _id is the event that
// recorded it, so recording the same event twice leaves one entry.
type historyDoc struct {
	ID         string    `bson:"_id"`
	Serial     string    `bson:"serial"`
	At         time.Time `bson:"at"`
	Kind       string    `bson:"kind"`
	Ref        string    `bson:"ref"`
	Summary    string    `bson:"summary"`
	RecordedAt time.Time `bson:"recorded_at"`
}

func (s *Service) recordSale(ctx context.Context, o salesOrderDoc, u unitDoc) error {
	return s.record(ctx, historyDoc{ID: "sale:" + o.ID + ":" + u.Serial, Serial: u.Serial, At: u.PurchasedAt,
		Kind: KindSale, Ref: o.ID, Summary: fmt.Sprintf("%s sold on %s order %s (line %d) and delivered",
			u.ProductName, o.Shop, o.ShopOrderNo, u.LineNo)})
}

// record inserts h; an entry already recorded counts as success.
func (s *Service) record(ctx context.Context, h historyDoc) error {
	h.RecordedAt = s.clock.Now()
	if err := s.history.Insert(ctx, h); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return err
	}
	return nil
}

// HistoryEntryView is one entry of a unit's service history.
type HistoryEntryView struct {
	At      time.Time `json:"at"`
	Kind    string    `json:"kind" doc:"sale, complaint, rma, service_order, part_swap…"`
	Ref     string    `json:"ref" doc:"id of the object that touched the unit"`
	Summary string    `json:"summary"`
}

// UnitView answers "is it in warranty, and what happened to it".
type UnitView struct {
	Serial         string             `json:"serial"`
	SKU            string             `json:"sku"`
	ProductName    string             `json:"product_name"`
	Category       string             `json:"category"`
	CustomerID     string             `json:"customer_id"`
	SalesOrderID   string             `json:"sales_order_id"`
	LineNo         int                `json:"line_no"`
	PurchasedAt    time.Time          `json:"purchased_at" doc:"when the unit was delivered"`
	WarrantyMonths int                `json:"warranty_months"`
	WarrantyEnd    time.Time          `json:"warranty_end" doc:"exclusive"`
	InWarranty     bool               `json:"in_warranty"`
	DaysLeft       int                `json:"days_left" doc:"started days of warranty left; 0 when out of warranty"`
	History        []HistoryEntryView `json:"history" doc:"newest first, at most 200"`
}

// DescribeUnit returns the unit with serial, its warranty as of now and its history.
func (s *Service) DescribeUnit(ctx context.Context, serial string) (UnitView, error) {
	d, err := s.loadUnit(ctx, serial)
	if err != nil {
		return UnitView{}, err
	}
	var hist []historyDoc
	opts := options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(maxHistory)
	if err := s.history.Find(ctx, bson.D{{Key: "serial", Value: d.Serial}}, &hist, opts); err != nil {
		return UnitView{}, err
	}
	now, u := s.clock.Now(), d.toUnit()
	v := UnitView{Serial: d.Serial, SKU: d.SKU, ProductName: d.ProductName, Category: d.Category, CustomerID: d.CustomerID,
		SalesOrderID: d.SalesOrderID, LineNo: d.LineNo, PurchasedAt: d.PurchasedAt, WarrantyMonths: d.WarrantyMonths,
		WarrantyEnd: d.WarrantyEnd, InWarranty: u.InWarranty(now), DaysLeft: u.DaysLeft(now),
		History: make([]HistoryEntryView, len(hist))}
	for i, h := range hist {
		v.History[i] = HistoryEntryView{At: h.At, Kind: h.Kind, Ref: h.Ref, Summary: h.Summary}
	}
	return v, nil
}
