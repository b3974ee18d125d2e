package parts

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// ActivityRow is one technician's or outlet's parts activity over a period, in units.
type ActivityRow struct {
	TechnicianID string           `json:"technician_id,omitempty"`
	OutletID     string           `json:"outlet_id,omitempty"`
	Issued       int64            `json:"issued" doc:"units issued to them by requisition"`
	Consumed     int64            `json:"consumed"`
	Returned     int64            `json:"returned" doc:"consumed units whose defective part came back"`
	Unmatched    int64            `json:"unmatched" doc:"consumed units whose defective part is still out"`
	Flags        map[string]int64 `json:"flags" doc:"flags raised in the period, by kind"`
}

// ActivityReport is the rows for a period [from, to).
type ActivityReport struct {
	From time.Time     `json:"from"`
	To   time.Time     `json:"to"`
	Rows []ActivityRow `json:"rows"`
}

// Report groupings.
const (
	ByTechnician = "technician"
	ByOutlet     = "outlet"
)

// Activity reports issued, consumed, returned and unmatched units and flags per
// technician or per outlet over [from, to), narrowed to what p may see.
func (s *Service) Activity(ctx context.Context, p auth.Principal, by string, from, to time.Time) (ActivityReport, error) {
	if !to.After(from) {
		return ActivityReport{}, invalid("to", "must be after from")
	}
	rows := map[string]*ActivityRow{}
	row := func(tech, outlet string) *ActivityRow {
		key := tech
		if by == ByOutlet {
			key, tech = outlet, ""
		}
		r, ok := rows[key]
		if !ok {
			r = &ActivityRow{TechnicianID: tech, OutletID: outlet, Flags: map[string]int64{}}
			rows[key] = r
		}
		if r.OutletID == "" {
			r.OutletID = outlet
		}
		return r
	}
	if err := s.countActivity(ctx, between("issued_at", from, to), between("consumed_at", from, to), between("raised_at", from, to), row); err != nil {
		return ActivityReport{}, err
	}
	out := []ActivityRow{}
	for key, r := range rows {
		if key != "" && visibleRow(p, by, r) {
			out = append(out, *r)
		}
	}
	slices.SortFunc(out, func(a, b ActivityRow) int {
		return strings.Compare(a.TechnicianID+"|"+a.OutletID, b.TechnicianID+"|"+b.OutletID)
	})
	return ActivityReport{From: from, To: to, Rows: out}, nil
}

func between(field string, from, to time.Time) bson.D {
	return bson.D{{Key: field, Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lt", Value: to}}}}
}

func (s *Service) countActivity(ctx context.Context, issued, consumed, raised bson.D, row func(tech, outlet string) *ActivityRow) error {
	var reqs []requisitionDoc
	if err := s.requisitions.Collection().Find(ctx, issued, &reqs); err != nil {
		return err
	}
	for _, r := range reqs {
		if r.Status == StatusIssued || r.Status == StatusReceived {
			for _, l := range r.Lines {
				row(r.TechnicianID, r.OutletID).Issued += l.Qty
			}
		}
	}
	var cons []consumptionDoc
	if err := s.consumptions.Collection().Find(ctx, consumed, &cons); err != nil {
		return err
	}
	for _, c := range cons {
		r := row(c.TechnicianID, c.OutletID)
		r.Consumed += c.Qty
		switch {
		case c.ReturnRequired && c.ReturnedAt != nil:
			r.Returned += c.Qty
		case c.ReturnRequired:
			r.Unmatched += c.Qty
		}
	}
	var flags []flagDoc
	if err := s.flags.Find(ctx, raised, &flags); err != nil {
		return err
	}
	for _, f := range flags {
		if f.TechnicianID != "" || f.OutletID != "" {
			row(f.TechnicianID, f.OutletID).Flags[f.Kind]++
		}
	}
	return nil
}

func visibleRow(p auth.Principal, by string, r *ActivityRow) bool {
	switch p.Role {
	case auth.RoleTechnician:
		return by == ByTechnician && r.TechnicianID == p.TechnicianID
	case auth.RoleOutlet:
		return r.OutletID == p.OutletID
	}
	return p.HasRole(readAll...)
}

// ValuationLine values one part at one location at unit cost.
type ValuationLine struct {
	PartNo   string `json:"part_no"`
	OnHand   int64  `json:"on_hand"`
	Reserved int64  `json:"reserved"`
	UnitCost int64  `json:"unit_cost"`
	Value    int64  `json:"value" doc:"(on hand + reserved) × unit cost, minor units"`
}

// LocationValue is the stock value at one location.
type LocationValue struct {
	Location string          `json:"location"`
	Lines    []ValuationLine `json:"lines"`
	Value    int64           `json:"value"`
}

// Valuation is stock value per location.
type Valuation struct {
	Currency  string          `json:"currency"`
	Locations []LocationValue `json:"locations"`
	Total     int64           `json:"total"`
	AsOf      time.Time       `json:"as_of"`
}

// Valuation values the stock p may see at current unit cost; location narrows it to one.
func (s *Service) Valuation(ctx context.Context, p auth.Principal, location string) (Valuation, error) {
	levels, err := s.levels(ctx, p, location)
	if err != nil {
		return Valuation{}, err
	}
	costs, err := s.unitCosts(ctx)
	if err != nil {
		return Valuation{}, err
	}
	v := Valuation{Currency: s.cfg.Currency, Locations: []LocationValue{}, AsOf: s.clock.Now()}
	byLoc := map[string]*LocationValue{}
	for _, l := range levels {
		lv, ok := byLoc[l.Location]
		if !ok {
			lv = &LocationValue{Location: l.Location}
			byLoc[l.Location] = lv
		}
		line := ValuationLine{PartNo: l.PartNo, OnHand: l.OnHand, Reserved: l.Reserved, UnitCost: costs[l.PartNo]}
		line.Value = (line.OnHand + line.Reserved) * line.UnitCost
		lv.Lines, lv.Value, v.Total = append(lv.Lines, line), lv.Value+line.Value, v.Total+line.Value
	}
	for _, lv := range byLoc {
		v.Locations = append(v.Locations, *lv)
	}
	slices.SortFunc(v.Locations, func(a, b LocationValue) int { return strings.Compare(a.Location, b.Location) })
	return v, nil
}

func (s *Service) unitCosts(ctx context.Context) (map[string]int64, error) {
	var parts []partDoc
	if err := s.catalog.Collection().Find(ctx, bson.D{}, &parts); err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(parts))
	for _, d := range parts {
		out[d.ID] = d.UnitCost
	}
	return out, nil
}

// levelsFilter narrows stock and serial documents to what p may see.
func (s *Service) levelsFilter(ctx context.Context, p auth.Principal, location string) (bson.D, error) {
	if location != "" {
		loc, err := ParseLocation(location)
		if err != nil {
			return nil, invalid("location", err.Error())
		}
		if ok, err := s.sees(ctx, p, loc); err != nil || !ok {
			return nil, firstErr(err, notFoundAt("location", "location"))
		}
		return bson.D{{Key: "location", Value: loc.String()}}, nil
	}
	switch p.Role {
	case auth.RoleWarehouse:
		return bson.D{{Key: "location", Value: Warehouse(p.WarehouseID).String()}}, nil
	case auth.RoleTechnician:
		return bson.D{{Key: "location", Value: Van(p.TechnicianID).String()}}, nil
	case auth.RoleOutlet:
		return bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "location", Value: Outlet(p.OutletID).String()}},
			bson.D{{Key: "outlet_id", Value: p.OutletID}}}}}, nil
	}
	if p.HasRole(readAll...) {
		return bson.D{}, nil
	}
	return nil, apperr.Forbidden("your role may not see stock")
}
