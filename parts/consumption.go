package parts

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/queue"
)

// ConsumeInput records a part fitted on a service order.
type ConsumeInput struct {
	OrderID         string `json:"order_id"`
	PartNo          string `json:"part_no"`
	Qty             int64  `json:"qty,omitempty" doc:"default 1; serialised parts are consumed one at a time"`
	NewSerial       string `json:"new_serial,omitempty" doc:"the fitted part's serial; required for serialised parts"`
	DefectiveSerial string `json:"defective_serial,omitempty" doc:"the replaced part's serial; required when the part must be returned"`
	Location        string `json:"location,omitempty" doc:"where the part came from; the order technician's van by default"`
}

// Validate checks the request's shape.
func (in ConsumeInput) Validate() error {
	f := apperr.Fields{}
	if f.Required("order_id", in.OrderID) && !ValidID(in.OrderID) {
		f.Add("order_id", "is not an order id")
	}
	if !validPartNo(NormalizePartNo(in.PartNo)) {
		f.Add("part_no", "is required")
	}
	if in.Qty < 0 || in.Qty > maxLineQty {
		f.Add("qty", "must be 1 to %d", maxLineQty)
	}
	for field, sn := range map[string]string{"new_serial": in.NewSerial, "defective_serial": in.DefectiveSerial} {
		if sn != "" && !validSerial(NormalizeSerial(sn)) {
			f.Add(field, "must be 1-64 letters, digits, '.', '_' or '-'")
		}
	}
	if in.NewSerial != "" && NormalizeSerial(in.NewSerial) == NormalizeSerial(in.DefectiveSerial) {
		f.Add("defective_serial", "must differ from new_serial")
	}
	if in.Location != "" {
		if _, err := ParseLocation(in.Location); err != nil {
			f.Add("location", "%v", err)
		}
	}
	return f.Err()
}

// Consumption is a part fitted into a customer's unit.
type Consumption struct {
	ID                  string     `json:"id"`
	OrderID             string     `json:"order_id"`
	TechnicianID        string     `json:"technician_id,omitempty"`
	OutletID            string     `json:"outlet_id,omitempty"`
	Location            string     `json:"location"`
	PartNo              string     `json:"part_no"`
	Qty                 int64      `json:"qty"`
	NewSerial           string     `json:"new_serial,omitempty"`
	DefectiveSerial     string     `json:"defective_serial,omitempty"`
	UnitSerial          string     `json:"unit_serial,omitempty"`
	InWarranty          bool       `json:"in_warranty"`
	ReturnRequired      bool       `json:"return_required"`
	DefectiveDueAt      *time.Time `json:"defective_due_at,omitempty"`
	DefectiveReturnedAt *time.Time `json:"defective_returned_at,omitempty"`
	ReturnID            string     `json:"return_id,omitempty"`
	Flags               []string   `json:"flags"`
	UnitCost            int64      `json:"unit_cost"`
	ListPrice           int64      `json:"list_price"`
	Currency            string     `json:"currency"`
	ConsumedAt          time.Time  `json:"consumed_at"`
	ConsumedBy          string     `json:"consumed_by"`
	Version             int64      `json:"version"`
}

type consumptionDoc struct {
	ID             string `bson:"_id"`
	aggregate.Base `bson:",inline"`
	OrderID        string     `bson:"order_id"`
	TechnicianID   string     `bson:"technician_id,omitempty"`
	OutletID       string     `bson:"outlet_id,omitempty"`
	Location       string     `bson:"location"`
	PartNo         string     `bson:"part_no"`
	Qty            int64      `bson:"qty"`
	NewSerial      string     `bson:"new_serial,omitempty"`
	Defective      string     `bson:"defective_serial,omitempty"`
	UnitSerial     string     `bson:"unit_serial,omitempty"`
	InWarranty     bool       `bson:"in_warranty"`
	NoQuote        bool       `bson:"no_quote"` // out of warranty without an accepted customer quote
	ReturnRequired bool       `bson:"return_required"`
	DueAt          *time.Time `bson:"defective_due_at,omitempty"`
	ReturnedAt     *time.Time `bson:"defective_returned_at,omitempty"`
	ReturnID       string     `bson:"return_id,omitempty"`
	FlaggedAt      *time.Time `bson:"overdue_flagged_at,omitempty"`
	UnitCost       int64      `bson:"unit_cost"`
	ListPrice      int64      `bson:"list_price"`
	Currency       string     `bson:"currency"`
	StockOp        string     `bson:"stock_op"`
	ConsumedAt     time.Time  `bson:"consumed_at"`
	ConsumedBy     string     `bson:"consumed_by"`
}

// overdue reports whether the defective part is late at now.
func (d consumptionDoc) overdue(now time.Time) bool {
	return d.ReturnRequired && d.ReturnedAt == nil && d.DueAt != nil && !now.Before(*d.DueAt)
}

func (d consumptionDoc) view(now time.Time) Consumption {
	flags := []string{}
	if d.NoQuote {
		flags = append(flags, FlagOutOfWarrantyNoQuote)
	}
	if d.overdue(now) {
		flags = append(flags, FlagDefectiveOverdue)
	}
	return Consumption{ID: d.ID, OrderID: d.OrderID, TechnicianID: d.TechnicianID, OutletID: d.OutletID, Location: d.Location,
		PartNo: d.PartNo, Qty: d.Qty, NewSerial: d.NewSerial, DefectiveSerial: d.Defective, UnitSerial: d.UnitSerial,
		InWarranty: d.InWarranty, ReturnRequired: d.ReturnRequired, DefectiveDueAt: d.DueAt, DefectiveReturnedAt: d.ReturnedAt,
		ReturnID: d.ReturnID, Flags: flags, UnitCost: d.UnitCost, ListPrice: d.ListPrice, Currency: d.Currency,
		ConsumedAt: d.ConsumedAt, ConsumedBy: d.ConsumedBy, Version: d.Version}
}

var consumers = []string{auth.RoleTechnician, auth.RoleOutlet, auth.RoleSupervisor, auth.RoleAdmin}

// Consume records a part fitted on a service order, from the mobile completion or the
// staff API. The part (or its serial) must be on hand where it is taken from — for a
// technician, their own van — and the unit's service history gets the swap.
func (s *Service) Consume(ctx context.Context, p auth.Principal, in ConsumeInput) (Consumption, error) {
	if !p.HasRole(consumers...) {
		return Consumption{}, apperr.Forbidden("your role may not record consumption")
	}
	if err := in.Validate(); err != nil {
		return Consumption{}, err
	}
	order, err := s.orderFor(ctx, p, in.OrderID)
	if err != nil {
		return Consumption{}, err
	}
	loc, err := s.consumeFrom(ctx, p, in, order)
	if err != nil {
		return Consumption{}, err
	}
	d, err := s.newConsumption(ctx, p, in, order, loc)
	if err != nil {
		return Consumption{}, err
	}
	o := inBatch([]op{consumeOp(d, p)}, d.ID, ReasonConsume)[0]
	if err := s.runOps(ctx, []op{o}, []string{consumeField(d)}); err != nil {
		return Consumption{}, err
	}
	create := func() error { return s.consumptions.Create(ctx, d.ID, d, s.consumedEntry(p), s.consumedEvents(d)...) }
	if err := s.afterStock(ctx, []op{o}, create); err != nil {
		return Consumption{}, err
	}
	if err := s.afterConsumed(ctx, d.ID); err != nil {
		s.log.WarnContext(ctx, "follow-up of consumption left to its event", "consumption", d.ID, "err", err)
	}
	return s.Consumption(ctx, p, d.ID)
}

func consumeField(d consumptionDoc) string {
	if d.NewSerial != "" {
		return "new_serial"
	}
	return "qty"
}

// consumeFrom is where the part is taken from: a technician's own van, or for staff the
// location given, by default the van of the order's technician.
func (s *Service) consumeFrom(ctx context.Context, p auth.Principal, in ConsumeInput, order OrderInfo) (Location, error) {
	loc := Van(order.TechnicianID)
	switch {
	case p.Role == auth.RoleTechnician:
		loc = Van(p.TechnicianID)
		if in.Location != "" && in.Location != loc.String() {
			return loc, notFoundAt("location", "location")
		}
		return loc, nil
	case in.Location != "":
		loc, _ = ParseLocation(in.Location)
	case order.TechnicianID == "":
		return loc, invalid("location", "is required: the order has no technician")
	}
	return loc, s.mustControl(ctx, p, loc, "location")
}

func (s *Service) newConsumption(ctx context.Context, p auth.Principal, in ConsumeInput, order OrderInfo, loc Location) (consumptionDoc, error) {
	parts, err := s.partsFor(ctx, []string{in.PartNo}, func(int) string { return "part_no" }, false)
	if err != nil {
		return consumptionDoc{}, err
	}
	part, now := parts[NormalizePartNo(in.PartNo)], s.clock.Now()
	d := consumptionDoc{ID: ids.New("CON"), OrderID: order.ID, TechnicianID: order.TechnicianID, OutletID: firstNonEmpty(order.OutletID, p.OutletID),
		Location: loc.String(), PartNo: part.ID, Qty: max(in.Qty, 1), NewSerial: NormalizeSerial(in.NewSerial),
		Defective: NormalizeSerial(in.DefectiveSerial), UnitSerial: NormalizeSerial(order.UnitSerial), InWarranty: order.InWarranty,
		NoQuote: !order.InWarranty && !order.CustomerQuoteAccepted, ReturnRequired: part.Return, UnitCost: part.UnitCost,
		ListPrice: part.ListPrice, Currency: part.Currency, ConsumedAt: now, ConsumedBy: p.UserID}
	if loc.Kind == KindVan {
		d.TechnicianID = loc.ID
	}
	if d.ReturnRequired {
		due := now.Add(s.cfg.DefectiveWindow)
		d.DueAt = &due
	}
	d.StockOp = ids.New("MOV")
	return d, checkConsumption(part, d, order)
}

func checkConsumption(part partDoc, d consumptionDoc, order OrderInfo) error {
	f := apperr.Fields{}
	if !part.fits(order.Category) {
		f.Add("part_no", "does not fit a %s", order.Category)
	}
	switch {
	case part.Serialised && d.NewSerial == "":
		f.Add("new_serial", "is required: the part is serialised")
	case part.Serialised && d.Qty != 1:
		f.Add("qty", "serialised parts are consumed one at a time")
	case !part.Serialised && d.NewSerial != "":
		f.Add("new_serial", "the part is not serialised")
	}
	if part.Return && d.Defective == "" {
		f.Add("defective_serial", "is required: the defective part must be returned")
	}
	return f.Err()
}

func consumeOp(d consumptionDoc, p auth.Principal) op {
	o := op{ID: d.StockOp, Reason: ReasonConsume, Ref: d.ID, Actor: p.Actor(), Outlet: d.OutletID,
		Legs: []leg{{Location: d.Location, PartNo: d.PartNo, OnHand: -d.Qty}}}
	if d.NewSerial != "" {
		unit := KindUnit + ":" + firstNonEmpty(d.UnitSerial, "order-"+d.OrderID)
		o.Serial = &serialMove{PartNo: d.PartNo, Serial: d.NewSerial,
			From: &serialPos{Location: d.Location, State: onHandState(kindOf(d.Location))},
			To:   serialPos{Location: unit, State: SerialConsumed}}
	}
	return o
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (s *Service) consumedEntry(p auth.Principal) aggregate.Entry {
	return aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "consume", To: "recorded"}
}

// consumedEvents are the unit's history entry and the follow-up that raises flags and
// matches a defective part scanned before the consumption arrived.
func (s *Service) consumedEvents(d consumptionDoc) []aggregate.Event {
	events := []aggregate.Event{aggregate.NewEvent(TypeConsumed, queue.Default, ConsumedData{ConsumptionID: d.ID})}
	if s.unitHistory != nil && d.UnitSerial != "" {
		summary := fmt.Sprintf("part %s fitted on order %s", d.PartNo, d.OrderID)
		if d.NewSerial != "" {
			summary += ", serial " + d.NewSerial
		}
		if d.Defective != "" {
			summary += ", replacing " + d.Defective
		}
		events = append(events, s.unitHistory(d.UnitSerial, "part_swap", d.ID, summary, d.ConsumedAt))
	}
	return events
}

// Consumption returns one consumption p may see.
func (s *Service) Consumption(ctx context.Context, p auth.Principal, id string) (Consumption, error) {
	var d consumptionDoc
	if err := s.consumptions.Load(ctx, id, &d); err != nil {
		return Consumption{}, err
	}
	if !ownedBy(p, "", d.TechnicianID, d.OutletID) {
		return Consumption{}, apperr.NotFound("consumption")
	}
	return d.view(s.clock.Now()), nil
}

// ConsumptionFilter narrows the list.
type ConsumptionFilter struct {
	OrderID         string
	TechnicianID    string
	DefectiveSerial string
}

// Consumptions lists what p may see.
func (s *Service) Consumptions(ctx context.Context, p auth.Principal, f ConsumptionFilter, page httpx.Page) (httpx.PageResult[Consumption], error) {
	filter, err := ownerFilter(p)
	if err != nil || p.Role == auth.RoleWarehouse {
		return httpx.PageResult[Consumption]{}, firstErr(err, apperr.Forbidden("your role may not see consumptions"))
	}
	for k, v := range map[string]string{"order_id": f.OrderID, "technician_id": f.TechnicianID,
		"defective_serial": NormalizeSerial(f.DefectiveSerial)} {
		if strings.TrimSpace(v) != "" {
			filter = append(filter, bson.E{Key: k, Value: v})
		}
	}
	now := s.clock.Now()
	return findPage(ctx, s.consumptions.Collection(), filter, page, func(d consumptionDoc) Consumption { return d.view(now) },
		func(c Consumption) string { return c.ID })
}

// PartUsage is how many of one part an order consumed, at the list price recorded when
// it was consumed.
type PartUsage struct {
	PartNo    string `json:"part_no"`
	Qty       int64  `json:"qty"`
	ListPrice int64  `json:"list_price" doc:"minor units per unit"`
	Currency  string `json:"currency"`
}

// UsedOn lists the parts consumed on order orderID, one row per part number and price,
// in the order they were first consumed. It is for pricing the finished job, so it reads
// as the system: no principal narrows it.
func (s *Service) UsedOn(ctx context.Context, orderID string) ([]PartUsage, error) {
	var docs []consumptionDoc
	err := s.consumptions.Collection().Find(ctx, bson.D{{Key: "order_id", Value: orderID}}, &docs,
		options.Find().SetSort(bson.D{{Key: "consumed_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, err
	}
	out := []PartUsage{}
	at := map[[2]string]int{}
	for _, d := range docs {
		key := [2]string{d.PartNo, strconv.FormatInt(d.ListPrice, 10) + d.Currency}
		if i, ok := at[key]; ok {
			out[i].Qty += d.Qty
			continue
		}
		at[key] = len(out)
		out = append(out, PartUsage{PartNo: d.PartNo, Qty: d.Qty, ListPrice: d.ListPrice, Currency: d.Currency})
	}
	return out, nil
}
