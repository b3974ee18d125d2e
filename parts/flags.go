package parts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Flag kinds.
const (
	FlagDefectiveOverdue      = "defective_overdue"        // consumed, defective part not back within the window
	FlagReturnedNeverConsumed = "returned_never_consumed"  // a defective serial no consumption replaced
	FlagOutOfWarrantyNoQuote  = "out_of_warranty_no_quote" // fitted out of warranty without an accepted quote
	FlagRequisitionRatio      = "requisition_ratio"        // requisitions far above consumption
)

// FlagKinds lists the flag kinds.
func FlagKinds() []string {
	return []string{FlagDefectiveOverdue, FlagReturnedNeverConsumed, FlagOutOfWarrantyNoQuote, FlagRequisitionRatio}
}

// Flag is something about parts that does not add up, open until cleared.
type Flag struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	Ref          string     `json:"ref" doc:"the consumption, return or technician it is about"`
	TechnicianID string     `json:"technician_id,omitempty"`
	OutletID     string     `json:"outlet_id,omitempty"`
	WarehouseID  string     `json:"warehouse_id,omitempty"`
	Detail       string     `json:"detail"`
	RaisedAt     time.Time  `json:"raised_at"`
	ClearedAt    *time.Time `json:"cleared_at,omitempty"`
	Open         bool       `json:"open"`
}

// flagDoc's id is kind|subject|ref, so raising the same flag twice keeps one document.
type flagDoc struct {
	ID           string     `bson:"_id"`
	Kind         string     `bson:"kind"`
	Ref          string     `bson:"ref"`
	TechnicianID string     `bson:"technician_id,omitempty"`
	OutletID     string     `bson:"outlet_id,omitempty"`
	WarehouseID  string     `bson:"warehouse_id,omitempty"`
	Detail       string     `bson:"detail"`
	RaisedAt     time.Time  `bson:"raised_at"`
	ClearedAt    *time.Time `bson:"cleared_at,omitempty"`
	UpdatedAt    time.Time  `bson:"updated_at"`
}

func (d flagDoc) view() Flag {
	return Flag{ID: d.ID, Kind: d.Kind, Ref: d.Ref, TechnicianID: d.TechnicianID, OutletID: d.OutletID,
		WarehouseID: d.WarehouseID, Detail: d.Detail, RaisedAt: d.RaisedAt, ClearedAt: d.ClearedAt, Open: d.ClearedAt == nil}
}

var notCleared = bson.D{{Key: "cleared_at", Value: bson.D{{Key: "$exists", Value: false}}}}

// raiseFlag opens f, or refreshes its detail when it is open, or reopens it.
func (s *Service) raiseFlag(ctx context.Context, f flagDoc) error {
	now := s.clock.Now()
	f.RaisedAt, f.UpdatedAt = now, now
	err := s.flags.Insert(ctx, f)
	if !errors.Is(err, mongox.ErrDuplicate) {
		return err
	}
	_, err = s.flags.UpdateByID(ctx, f.ID, bson.D{}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "detail", Value: f.Detail}, {Key: "updated_at", Value: now}}}})
	if err != nil {
		return err
	}
	reopen := bson.D{{Key: "$set", Value: bson.D{{Key: "raised_at", Value: now}}}, {Key: "$unset", Value: bson.D{{Key: "cleared_at", Value: ""}}}}
	_, err = s.flags.UpdateByID(ctx, f.ID, bson.D{{Key: "cleared_at", Value: bson.D{{Key: "$exists", Value: true}}}}, reopen)
	return err
}

// clearFlag closes the flag with id, if it is open.
func (s *Service) clearFlag(ctx context.Context, id string) error {
	now := s.clock.Now()
	_, err := s.flags.UpdateByID(ctx, id, notCleared,
		bson.D{{Key: "$set", Value: bson.D{{Key: "cleared_at", Value: now}, {Key: "updated_at", Value: now}}}})
	return err
}

// FlagFilter narrows the flag list.
type FlagFilter struct {
	Kind         string
	TechnicianID string
	OutletID     string
	Open         *bool
}

// Flags lists the flags p may see.
func (s *Service) Flags(ctx context.Context, p auth.Principal, f FlagFilter, page httpx.Page) (httpx.PageResult[Flag], error) {
	filter, err := ownerFilter(p)
	if err != nil {
		return httpx.PageResult[Flag]{}, err
	}
	for k, v := range map[string]string{"kind": f.Kind, "technician_id": f.TechnicianID, "outlet_id": f.OutletID} {
		if v != "" {
			filter = append(filter, bson.E{Key: k, Value: v})
		}
	}
	if f.Open != nil {
		filter = append(filter, bson.E{Key: "cleared_at", Value: bson.D{{Key: "$exists", Value: !*f.Open}}})
	}
	return findPage(ctx, s.flags, filter, page, flagDoc.view, func(f Flag) string { return f.ID })
}

// ScanResult counts what a scan changed.
type ScanResult struct {
	DefectiveOverdue int `json:"defective_overdue" doc:"consumptions newly flagged overdue"`
	RatioRaised      int `json:"requisition_ratio_raised"`
	RatioCleared     int `json:"requisition_ratio_cleared"`
}

// ScanFlags raises the clock-driven flags: defective parts overdue, and technicians
// whose requisitions run far above their consumption (clearing those no longer so).
func (s *Service) ScanFlags(ctx context.Context) (ScanResult, error) {
	var res ScanResult
	n, err := s.scanOverdue(ctx)
	if err != nil {
		return res, err
	}
	res.DefectiveOverdue = n
	res.RatioRaised, res.RatioCleared, err = s.scanRatios(ctx)
	return res, err
}

func (s *Service) scanOverdue(ctx context.Context) (int, error) {
	now := s.clock.Now()
	filter := bson.D{{Key: "defective_due_at", Value: bson.D{{Key: "$lte", Value: now}}},
		{Key: "defective_returned_at", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "overdue_flagged_at", Value: bson.D{{Key: "$exists", Value: false}}}}
	var due []consumptionDoc
	if err := s.consumptions.Collection().Find(ctx, filter, &due); err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		f := flagDoc{ID: flagID(FlagDefectiveOverdue, d.ID, ""), Kind: FlagDefectiveOverdue, Ref: d.ID,
			TechnicianID: d.TechnicianID, OutletID: d.OutletID,
			Detail: fmt.Sprintf("defective %s serial %s from order %s was due back by %s", d.PartNo, d.Defective, d.OrderID, d.DueAt.Format(time.RFC3339))}
		if err := s.raiseFlag(ctx, f); err != nil {
			return n, err
		}
		err := s.consumptions.Apply(ctx, aggregate.Change{ID: d.ID, Version: d.Version, Where: filter[1:2],
			Set:   bson.D{{Key: "overdue_flagged_at", Value: now}},
			Entry: aggregate.Entry{Actor: aggregate.System.ID, Role: aggregate.System.Role, Action: "flag", Note: FlagDefectiveOverdue}})
		if errors.Is(err, apperr.ErrVersionConflict) {
			// Returned meanwhile: the return cleared the flag, or the next scan will look again.
			if rerr := s.recheckOverdue(ctx, d.ID); rerr != nil {
				return n, rerr
			}
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// recheckOverdue clears a flag raised for a consumption whose part came back while it was raised.
func (s *Service) recheckOverdue(ctx context.Context, id string) error {
	var d consumptionDoc
	if err := s.consumptions.Load(ctx, id, &d); err != nil {
		return err
	}
	if d.ReturnedAt != nil {
		return s.clearFlag(ctx, flagID(FlagDefectiveOverdue, id, ""))
	}
	return nil
}

// scanRatios compares, per technician over the window, the units requested (not
// rejected or cancelled) with the units consumed.
func (s *Service) scanRatios(ctx context.Context) (raised, cleared int, err error) {
	requested, consumed, err := s.usage(ctx, s.clock.Now().Add(-s.cfg.RatioWindow))
	if err != nil {
		return 0, 0, err
	}
	for tech, u := range requested {
		c := consumed[tech]
		if u.qty < s.cfg.RatioMinRequested || u.qty <= s.cfg.RatioThreshold*c {
			continue
		}
		f := flagDoc{ID: flagID(FlagRequisitionRatio, tech, ""), Kind: FlagRequisitionRatio, Ref: tech, TechnicianID: tech,
			OutletID: u.outlet, Detail: fmt.Sprintf("requested %d units but consumed %d in the last %d days",
				u.qty, c, int(s.cfg.RatioWindow.Hours()/24))}
		if err := s.raiseFlag(ctx, f); err != nil {
			return raised, cleared, err
		}
		raised++
	}
	var open []flagDoc
	if err := s.flags.Find(ctx, append(bson.D{{Key: "kind", Value: FlagRequisitionRatio}}, notCleared...), &open); err != nil {
		return raised, cleared, err
	}
	for _, f := range open {
		if u := requested[f.Ref]; u.qty < s.cfg.RatioMinRequested || u.qty <= s.cfg.RatioThreshold*consumed[f.Ref] {
			if err := s.clearFlag(ctx, f.ID); err != nil {
				return raised, cleared, err
			}
			cleared++
		}
	}
	return raised, cleared, nil
}

type techUsage struct {
	qty    int64
	outlet string
}

func (s *Service) usage(ctx context.Context, since time.Time) (map[string]techUsage, map[string]int64, error) {
	var reqs []requisitionDoc
	filter := bson.D{{Key: "created_at", Value: bson.D{{Key: "$gte", Value: since}}},
		{Key: "technician_id", Value: bson.D{{Key: "$gt", Value: ""}}},
		{Key: "status", Value: bson.D{{Key: "$nin", Value: []string{StatusRejected, StatusCancelled}}}}}
	if err := s.requisitions.Collection().Find(ctx, filter, &reqs); err != nil {
		return nil, nil, err
	}
	requested := map[string]techUsage{}
	for _, r := range reqs {
		u := requested[r.TechnicianID]
		for _, l := range r.Lines {
			u.qty += l.Qty
		}
		u.outlet = r.OutletID
		requested[r.TechnicianID] = u
	}
	var cons []consumptionDoc
	if err := s.consumptions.Collection().Find(ctx, bson.D{{Key: "consumed_at", Value: bson.D{{Key: "$gte", Value: since}}}}, &cons); err != nil {
		return nil, nil, err
	}
	consumed := map[string]int64{}
	for _, c := range cons {
		consumed[c.TechnicianID] += c.Qty
	}
	return requested, consumed, nil
}
