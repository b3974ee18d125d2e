package parts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
)

// Transfer statuses: shipped goods stay reserved at the source until the destination
// confirms them.
const (
	TransferShipped   = "shipped"
	TransferReceived  = "received"
	TransferCancelled = "cancelled"
)

var stockRoles = []string{auth.RoleTechnician, auth.RoleOutlet, auth.RoleWarehouse, auth.RoleSupervisor, auth.RoleAdmin}

// ActShip creates a transfer: its stock is reserved at the source.
const ActShip = "ship"

var transferMachine = map[string]transition{
	ActReceive: {from: []string{TransferShipped}, to: TransferReceived, roles: stockRoles},
	ActCancel:  {from: []string{TransferShipped}, to: TransferCancelled, roles: stockRoles},
}

// Transfer moves stock between two locations.
type Transfer struct {
	ID         string            `json:"id"`
	Status     string            `json:"status"`
	From       string            `json:"from"`
	To         string            `json:"to"`
	Lines      []Line            `json:"lines"`
	Note       string            `json:"note,omitempty"`
	ShippedBy  string            `json:"shipped_by"`
	ReceivedAt *time.Time        `json:"received_at,omitempty"`
	Version    int64             `json:"version"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
	History    []aggregate.Entry `json:"history"`
}

type transferDoc struct {
	ID             string `bson:"_id"`
	aggregate.Base `bson:",inline"`
	Status         string     `bson:"status"`
	From           string     `bson:"from"`
	To             string     `bson:"to"`
	Parties        []string   `bson:"parties"` // both locations and their outlets: who may see it
	ToOutlet       string     `bson:"to_outlet,omitempty"`
	Lines          []lineDoc  `bson:"lines"`
	Note           string     `bson:"note,omitempty"`
	ShippedBy      string     `bson:"shipped_by"`
	ReceivedAt     *time.Time `bson:"received_at,omitempty"`
	Ops            []string   `bson:"ops"`
}

func (d transferDoc) view() Transfer {
	lines := make([]Line, len(d.Lines))
	for i, l := range d.Lines {
		lines[i] = l.view()
	}
	return Transfer{ID: d.ID, Status: d.Status, From: d.From, To: d.To, Lines: lines, Note: d.Note, ShippedBy: d.ShippedBy,
		ReceivedAt: d.ReceivedAt, Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, History: d.History}
}

// TransferLine is one part sent; serialised parts list their serials.
type TransferLine struct {
	PartNo  string   `json:"part_no"`
	Qty     int64    `json:"qty,omitempty"`
	Serials []string `json:"serials,omitempty"`
}

// TransferInput ships stock from one location to another.
type TransferInput struct {
	From  string         `json:"from"`
	To    string         `json:"to"`
	Lines []TransferLine `json:"lines"`
	Note  string         `json:"note,omitempty"`
}

// Validate checks the request's shape.
func (in TransferInput) Validate() error {
	f := apperr.Fields{}
	from, err := ParseLocation(in.From)
	if err != nil {
		f.Add("from", "%v", err)
	}
	if to, err := ParseLocation(in.To); err != nil {
		f.Add("to", "%v", err)
	} else if to == from {
		f.Add("to", "must differ from from")
	}
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		f.Add("lines", "must have 1 to %d lines", maxLines)
	}
	seen := map[string]bool{}
	for i, l := range in.Lines {
		field, no := fmt.Sprintf("lines[%d]", i), NormalizePartNo(l.PartNo)
		if !validPartNo(no) || seen[no] {
			f.Add(field+".part_no", "is required once per transfer")
		}
		seen[no] = true
		if _, ok := normalizeSerials(l.Serials); !ok {
			f.Add(field+".serials", "must be distinct serials of 1-64 letters, digits, '.', '_' or '-'")
		}
		if l.Qty < 0 || l.Qty > maxLineQty {
			f.Add(field+".qty", "must be 1 to %d", maxLineQty)
		}
	}
	f.MaxLen("note", in.Note, 1000)
	return f.Err()
}

// CreateTransfer ships stock: it is reserved at the source until the destination
// receives it. Only whoever controls the source may ship from it.
func (s *Service) CreateTransfer(ctx context.Context, p auth.Principal, in TransferInput) (Transfer, error) {
	if err := in.Validate(); err != nil {
		return Transfer{}, err
	}
	from, _ := ParseLocation(in.From)
	to, _ := ParseLocation(in.To)
	if err := s.mustControl(ctx, p, from, "from"); err != nil {
		return Transfer{}, err
	}
	if err := s.mustExist(ctx, to, "to"); err != nil {
		return Transfer{}, err
	}
	lines, err := s.transferLines(ctx, in.Lines)
	if err != nil {
		return Transfer{}, err
	}
	d := transferDoc{ID: ids.New("TRF"), Status: TransferShipped, From: from.String(), To: to.String(), Lines: lines,
		Note: strings.TrimSpace(in.Note), ShippedBy: p.UserID}
	if d.Parties, d.ToOutlet, err = s.parties(ctx, from, to); err != nil {
		return Transfer{}, err
	}
	ops, fields := transferOps(d, ActShip, p)
	if err := s.runOps(ctx, ops, fields); err != nil {
		return Transfer{}, err
	}
	d.Ops = opIDs(ops)
	entry := aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "ship", To: TransferShipped, Note: d.Note}
	if err := s.afterStock(ctx, ops, func() error { return s.transfers.Create(ctx, d.ID, d, entry) }); err != nil {
		return Transfer{}, err
	}
	return s.Transfer(ctx, p, d.ID)
}

func (s *Service) transferLines(ctx context.Context, in []TransferLine) ([]lineDoc, error) {
	nos := make([]string, len(in))
	for i, l := range in {
		nos[i] = NormalizePartNo(l.PartNo)
	}
	catalog, err := s.partsFor(ctx, nos, func(i int) string { return fmt.Sprintf("lines[%d].part_no", i) }, false)
	if err != nil {
		return nil, err
	}
	out, f := make([]lineDoc, len(in)), apperr.Fields{}
	for i, l := range in {
		part, field := catalog[nos[i]], fmt.Sprintf("lines[%d]", i)
		serials, _ := normalizeSerials(l.Serials)
		out[i] = lineDoc{PartNo: part.ID, Qty: l.Qty, Serialised: part.Serialised, Serials: serials, UnitCost: part.UnitCost}
		switch {
		case part.Serialised && (len(serials) == 0 || (l.Qty != 0 && l.Qty != int64(len(serials)))):
			f.Add(field+".serials", "the part is serialised: list one serial per unit")
		case part.Serialised:
			out[i].Qty = int64(len(serials))
		case len(serials) > 0:
			f.Add(field+".serials", "the part is not serialised")
		case l.Qty < 1:
			f.Add(field+".qty", "must be 1 to %d", maxLineQty)
		}
	}
	return out, f.Err()
}

// parties are the locations of a transfer and the outlets of its vans: the keys by
// which each side finds it.
func (s *Service) parties(ctx context.Context, from, to Location) ([]string, string, error) {
	out, toOutlet := []string{from.String(), to.String()}, ""
	for _, loc := range []Location{from, to} {
		if loc.Kind != KindVan {
			continue
		}
		outlet, err := s.vanOutlet(ctx, loc.ID)
		if err != nil {
			return nil, "", err
		}
		if outlet != "" && !slices.Contains(out, Outlet(outlet).String()) {
			out = append(out, Outlet(outlet).String())
		}
		if loc == to {
			toOutlet = outlet
		}
	}
	if to.Kind == KindOutlet {
		toOutlet = to.ID
	}
	return out, toOutlet, nil
}

// ReceiveTransfer confirms the goods arrived: they move into the destination.
func (s *Service) ReceiveTransfer(ctx context.Context, p auth.Principal, id string) (Transfer, error) {
	d, err := s.transferFor(ctx, p, id, ActReceive, func(d transferDoc) string { return d.To })
	if err != nil {
		return Transfer{}, err
	}
	return s.settleTransfer(ctx, p, d, ActReceive)
}

// transferOps are the stock operations of act on d, in a fixed order.
func transferOps(d transferDoc, act string, p auth.Principal) ([]op, []string) {
	var ops []op
	var fields []string
	for i, l := range d.Lines {
		var lineOps []op
		switch act {
		case ActShip:
			lineOps = reserveOps(l, d.From, ReasonShip, d.ID, p)
		case ActReceive:
			lineOps = deliverOps(l, d.From, d.To, ReasonArrive, d.ID, d.ToOutlet, p)
		case ActCancel:
			lineOps = releaseOps(l, d.From, d.ID, p)
		}
		for _, o := range lineOps {
			ops, fields = append(ops, o), append(fields, lineField(i, l))
		}
	}
	return inBatch(ops, d.ID, act), fields
}

// CancelTransfer calls shipped goods back: the reservation at the source is released.
func (s *Service) CancelTransfer(ctx context.Context, p auth.Principal, id string) (Transfer, error) {
	d, err := s.transferFor(ctx, p, id, ActCancel, func(d transferDoc) string { return d.From })
	if err != nil {
		return Transfer{}, err
	}
	return s.settleTransfer(ctx, p, d, ActCancel)
}

// transferFor loads a transfer p may see and checks p controls the side that acts.
func (s *Service) transferFor(ctx context.Context, p auth.Principal, id, act string, side func(transferDoc) string) (transferDoc, error) {
	d, err := s.visibleTransfer(ctx, p, id)
	if err != nil {
		return d, err
	}
	loc, err := ParseLocation(side(d))
	if err != nil {
		return d, err
	}
	if ok, err := s.controls(ctx, p, loc); err != nil || !ok {
		return d, firstErr(err, apperr.Forbidden("only the %s side may %s this transfer", map[string]string{ActReceive: "receiving", ActCancel: "sending"}[act], act))
	}
	if err := transferMachine[act].check(act, d.Status, p); err != nil {
		return d, err
	}
	repaired, err := s.settleEarlier(ctx, id)
	if err != nil || !repaired {
		return d, err
	}
	return s.transferFor(ctx, p, id, act, side)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (s *Service) settleTransfer(ctx context.Context, p auth.Principal, d transferDoc, act string) (Transfer, error) {
	ops, fields := transferOps(d, act, p)
	if err := s.runOps(ctx, ops, fields); err != nil {
		return Transfer{}, err
	}
	if err := s.afterStock(ctx, ops, func() error { return s.recordTransfer(ctx, p, d, act, ops) }); err != nil {
		return Transfer{}, err
	}
	return s.Transfer(ctx, p, d.ID)
}

// recordTransfer is the one conditional write of act on d, recording its operations.
func (s *Service) recordTransfer(ctx context.Context, p auth.Principal, d transferDoc, act string, ops []op) error {
	t := transferMachine[act]
	set := bson.D{{Key: "status", Value: t.to}}
	if act == ActReceive {
		set = append(set, bson.E{Key: "received_at", Value: s.clock.Now()})
	}
	return s.transfers.Apply(ctx, aggregate.Change{ID: d.ID, Version: d.Version, Where: bson.D{{Key: "status", Value: d.Status}},
		Set: set, Push: bson.D{{Key: "ops", Value: bson.D{{Key: "$each", Value: opIDs(ops)}}}},
		Entry: aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: act, From: d.Status, To: t.to}})
}

// Transfer returns one transfer p may see.
func (s *Service) Transfer(ctx context.Context, p auth.Principal, id string) (Transfer, error) {
	d, err := s.visibleTransfer(ctx, p, id)
	return d.view(), err
}

func (s *Service) visibleTransfer(ctx context.Context, p auth.Principal, id string) (transferDoc, error) {
	var d transferDoc
	if err := s.transfers.Load(ctx, id, &d); err != nil {
		return d, err
	}
	if key, all := partyKey(p); !all && !slices.Contains(d.Parties, key) {
		return transferDoc{}, apperr.NotFound("transfer")
	}
	return d, nil
}

// partyKey is the party p sees transfers of, or all.
func partyKey(p auth.Principal) (string, bool) {
	switch p.Role {
	case auth.RoleWarehouse:
		return Warehouse(p.WarehouseID).String(), false
	case auth.RoleOutlet:
		return Outlet(p.OutletID).String(), false
	case auth.RoleTechnician:
		return Van(p.TechnicianID).String(), false
	}
	return "", p.HasRole(readAll...)
}

// Transfers lists the transfers p may see, optionally of one status.
func (s *Service) Transfers(ctx context.Context, p auth.Principal, status string, page httpx.Page) (httpx.PageResult[Transfer], error) {
	filter := bson.D{}
	if key, all := partyKey(p); !all {
		if key == "" {
			return httpx.PageResult[Transfer]{}, apperr.Forbidden("your role may not see transfers")
		}
		filter = append(filter, bson.E{Key: "parties", Value: key})
	}
	if status != "" {
		filter = append(filter, bson.E{Key: "status", Value: status})
	}
	return findPage(ctx, s.transfers.Collection(), filter, page, transferDoc.view, func(t Transfer) string { return t.ID })
}
