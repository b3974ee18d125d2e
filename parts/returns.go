package parts

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// ReturnInput is a defective part scanned in at a warehouse.
type ReturnInput struct {
	WarehouseID  string `json:"warehouse_id,omitempty" doc:"defaults to the warehouse user's own"`
	PartNo       string `json:"part_no"`
	Serial       string `json:"serial"`
	TechnicianID string `json:"technician_id,omitempty" doc:"who handed it in, when known"`
	Note         string `json:"note,omitempty"`
}

// Validate checks the request's shape.
func (in ReturnInput) Validate() error {
	f := apperr.Fields{}
	if in.WarehouseID != "" && !ValidID(in.WarehouseID) {
		f.Add("warehouse_id", "is not a warehouse id")
	}
	if !validPartNo(NormalizePartNo(in.PartNo)) {
		f.Add("part_no", "is required")
	}
	if f.Required("serial", in.Serial) && !validSerial(NormalizeSerial(in.Serial)) {
		f.Add("serial", "must be 1-64 letters, digits, '.', '_' or '-'")
	}
	if in.TechnicianID != "" && !ValidID(in.TechnicianID) {
		f.Add("technician_id", "is not a technician id")
	}
	f.MaxLen("note", in.Note, 500)
	return f.Err()
}

// DefectiveReturn is a scanned defective part and the consumption it matched, if any.
type DefectiveReturn struct {
	ID            string    `json:"id"`
	PartNo        string    `json:"part_no"`
	Serial        string    `json:"serial"`
	WarehouseID   string    `json:"warehouse_id"`
	TechnicianID  string    `json:"technician_id,omitempty"`
	ConsumptionID string    `json:"consumption_id,omitempty" doc:"empty: no consumption replaced this serial (flagged)"`
	Note          string    `json:"note,omitempty"`
	ScannedBy     string    `json:"scanned_by"`
	At            time.Time `json:"at"`
}

type returnDoc struct {
	ID            string    `bson:"_id"`
	PartNo        string    `bson:"part_no"`
	Serial        string    `bson:"serial"`
	WarehouseID   string    `bson:"warehouse_id"`
	TechnicianID  string    `bson:"technician_id,omitempty"`
	OutletID      string    `bson:"outlet_id,omitempty"`
	ConsumptionID string    `bson:"consumption_id"`
	Note          string    `bson:"note,omitempty"`
	ScannedBy     string    `bson:"scanned_by"`
	At            time.Time `bson:"at"`
}

func (d returnDoc) view() DefectiveReturn {
	return DefectiveReturn{ID: d.ID, PartNo: d.PartNo, Serial: d.Serial, WarehouseID: d.WarehouseID, TechnicianID: d.TechnicianID,
		ConsumptionID: d.ConsumptionID, Note: d.Note, ScannedBy: d.ScannedBy, At: d.At}
}

// ScanReturn books a defective part in at a warehouse and matches it by serial to the
// consumption that replaced it, which clears that consumption's overdue flag. A serial
// no consumption replaced is kept and flagged returned_never_consumed.
func (s *Service) ScanReturn(ctx context.Context, p auth.Principal, in ReturnInput) (DefectiveReturn, error) {
	if err := in.Validate(); err != nil {
		return DefectiveReturn{}, err
	}
	wh := Warehouse(firstNonEmpty(in.WarehouseID, p.WarehouseID))
	if wh.ID == "" {
		return DefectiveReturn{}, invalid("warehouse_id", "is required")
	}
	if err := s.mustControl(ctx, p, wh, "warehouse_id"); err != nil {
		return DefectiveReturn{}, err
	}
	if _, err := s.part(ctx, in.PartNo); err != nil {
		return DefectiveReturn{}, firstErr(ifNotFound(err, invalid("part_no", "unknown part")), err)
	}
	r := returnDoc{ID: ids.New("RET"), PartNo: NormalizePartNo(in.PartNo), Serial: NormalizeSerial(in.Serial),
		WarehouseID: wh.ID, TechnicianID: in.TechnicianID, Note: in.Note, ScannedBy: p.UserID, At: s.clock.Now()}
	con, err := s.matchReturn(ctx, p, r)
	if err != nil {
		return DefectiveReturn{}, err
	}
	if con != nil {
		r.ConsumptionID, r.TechnicianID, r.OutletID = con.ID, con.TechnicianID, con.OutletID
	} else if err := s.refuseRescan(ctx, r); err != nil {
		return DefectiveReturn{}, err
	} else if r.TechnicianID != "" {
		if r.OutletID, err = s.vanOutlet(ctx, r.TechnicianID); err != nil {
			return DefectiveReturn{}, err
		}
	}
	if err := s.returns.Insert(ctx, r); err != nil {
		return DefectiveReturn{}, err
	}
	if err := s.afterReturn(ctx, r); err != nil {
		return DefectiveReturn{}, err
	}
	return r.view(), nil
}

func ifNotFound(err, instead error) error {
	if errors.Is(err, apperr.ErrNotFound) {
		return instead
	}
	return nil
}

// matchReturn records r on the oldest open consumption whose defective serial it is.
// The write is conditional on the consumption still being open, so two scans of one
// part match once; the second is refused.
func (s *Service) matchReturn(ctx context.Context, p auth.Principal, r returnDoc) (*consumptionDoc, error) {
	for attempt := 0; attempt < 3; attempt++ {
		var d consumptionDoc
		filter := bson.D{{Key: "defective_serial", Value: r.Serial}, {Key: "part_no", Value: r.PartNo},
			{Key: "defective_returned_at", Value: bson.D{{Key: "$exists", Value: false}}}}
		err := s.consumptions.Collection().FindOne(ctx, filter, &d, options.FindOne().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if errors.Is(err, mongox.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		err = s.markReturned(ctx, aggregate.Actor{ID: p.UserID, Role: p.Role}, d, r)
		if !errors.Is(err, apperr.ErrVersionConflict) {
			return &d, err
		}
	}
	return nil, apperr.VersionConflict("consumption")
}

func (s *Service) markReturned(ctx context.Context, actor aggregate.Actor, d consumptionDoc, r returnDoc) error {
	return s.consumptions.Apply(ctx, aggregate.Change{ID: d.ID, Version: d.Version,
		Where: bson.D{{Key: "defective_returned_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		Set:   bson.D{{Key: "defective_returned_at", Value: r.At}, {Key: "return_id", Value: r.ID}},
		Entry: aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: "defective_returned", Note: r.ID + " at " + r.WarehouseID}})
}

// refuseRescan answers 409 for a serial already returned, matched or not. It asks the
// consumptions too: a racing scan records its match there before its return document.
func (s *Service) refuseRescan(ctx context.Context, r returnDoc) error {
	key := bson.D{{Key: "defective_serial", Value: r.Serial}, {Key: "part_no", Value: r.PartNo}}
	n, err := s.consumptions.Collection().Count(ctx, key)
	if err != nil {
		return err
	}
	if n == 0 {
		n, err = s.returns.Count(ctx, bson.D{{Key: "serial", Value: r.Serial}, {Key: "part_no", Value: r.PartNo}})
	}
	if err != nil || n == 0 {
		return err
	}
	return conflict("already returned", "serial", "serial "+r.Serial+" was already scanned in")
}

// afterReturn clears or raises the return's flag and books the defective serial in at
// the warehouse. Each step is idempotent.
func (s *Service) afterReturn(ctx context.Context, r returnDoc) error {
	if r.ConsumptionID != "" {
		if err := s.clearFlag(ctx, flagID(FlagDefectiveOverdue, r.ConsumptionID, "")); err != nil {
			return err
		}
	} else {
		f := flagDoc{ID: flagID(FlagReturnedNeverConsumed, r.ID, ""), Kind: FlagReturnedNeverConsumed, Ref: r.ID,
			TechnicianID: r.TechnicianID, OutletID: r.OutletID, WarehouseID: r.WarehouseID,
			Detail: "serial " + r.Serial + " of " + r.PartNo + " was returned but no consumption replaced it"}
		if err := s.raiseFlag(ctx, f); err != nil {
			return err
		}
	}
	return s.bookDefective(ctx, r)
}

// bookDefective puts the returned serial at the warehouse as defective: a serial we
// once fitted moves there from the unit; one we never knew is registered.
func (s *Service) bookDefective(ctx context.Context, r returnDoc) error {
	id, now := serialID(r.PartNo, r.Serial), s.clock.Now()
	set := bson.D{{Key: "location", Value: Warehouse(r.WarehouseID).String()}, {Key: "state", Value: SerialDefectiveReturned},
		{Key: "outlet_id", Value: ""}, {Key: "ref", Value: r.ID}, {Key: "updated_at", Value: now}}
	ok, err := s.ledger.serials.UpdateByID(ctx, id, bson.D{{Key: "state", Value: SerialConsumed}},
		bson.D{{Key: "$set", Value: set}, {Key: "$push", Value: bson.D{{Key: "movements", Value: r.ID}}}})
	if err != nil || ok {
		return err
	}
	d := serialDoc{ID: id, PartNo: r.PartNo, Serial: r.Serial, Location: Warehouse(r.WarehouseID).String(),
		State: SerialDefectiveReturned, Ref: r.ID, Movements: []string{r.ID}, CreatedAt: now, UpdatedAt: now}
	if err := s.ledger.serials.Insert(ctx, d); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return err
	}
	return nil
}

// afterConsumed matches a defective part scanned in before its consumption was recorded
// (an offline technician syncing late) and raises the consumption's no-quote flag.
func (s *Service) afterConsumed(ctx context.Context, id string) error {
	var d consumptionDoc
	if err := s.consumptions.Load(ctx, id, &d); err != nil {
		return err
	}
	if d.NoQuote {
		f := flagDoc{ID: flagID(FlagOutOfWarrantyNoQuote, d.ID, ""), Kind: FlagOutOfWarrantyNoQuote, Ref: d.ID,
			TechnicianID: d.TechnicianID, OutletID: d.OutletID,
			Detail: "part " + d.PartNo + " fitted on out-of-warranty order " + d.OrderID + " without an accepted quote"}
		if err := s.raiseFlag(ctx, f); err != nil {
			return err
		}
	}
	if d.Defective != "" && d.ReturnedAt == nil {
		if err := s.lateMatch(ctx, &d); err != nil {
			return err
		}
	}
	if d.ReturnID == "" {
		return nil
	}
	// The return's side, idempotent: it may already name this consumption.
	_, err := s.returns.UpdateByID(ctx, d.ReturnID, bson.D{{Key: "consumption_id", Value: ""}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "consumption_id", Value: d.ID}, {Key: "technician_id", Value: d.TechnicianID},
			{Key: "outlet_id", Value: d.OutletID}}}})
	if err != nil {
		return err
	}
	return s.clearFlag(ctx, flagID(FlagReturnedNeverConsumed, d.ReturnID, ""))
}

// lateMatch records on d an unmatched return of its defective serial, if there is one.
func (s *Service) lateMatch(ctx context.Context, d *consumptionDoc) error {
	var r returnDoc
	err := s.returns.FindOne(ctx, bson.D{{Key: "serial", Value: d.Defective}, {Key: "part_no", Value: d.PartNo},
		{Key: "consumption_id", Value: ""}}, &r)
	if errors.Is(err, mongox.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for attempt := 0; attempt < 3 && d.ReturnedAt == nil; attempt++ {
		err = s.markReturned(ctx, aggregate.System, *d, r)
		if err == nil {
			d.ReturnedAt, d.ReturnID = &r.At, r.ID
			return nil
		}
		if !errors.Is(err, apperr.ErrVersionConflict) {
			return err
		}
		if err := s.consumptions.Load(ctx, d.ID, d); err != nil {
			return err
		}
	}
	if d.ReturnedAt != nil {
		return nil // matched meanwhile
	}
	return err
}

// Returns lists scanned defective parts; unmatched=true keeps those no consumption replaced.
func (s *Service) Returns(ctx context.Context, p auth.Principal, unmatched bool, page httpx.Page) (httpx.PageResult[DefectiveReturn], error) {
	filter, err := ownerFilter(p)
	if err != nil {
		return httpx.PageResult[DefectiveReturn]{}, err
	}
	if unmatched {
		filter = append(filter, bson.E{Key: "consumption_id", Value: ""})
	}
	return findPage(ctx, s.returns, filter, page, returnDoc.view, func(r DefectiveReturn) string { return r.ID })
}
