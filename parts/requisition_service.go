package parts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
)

var requesters = []string{auth.RoleTechnician, auth.RoleOutlet, auth.RoleSupervisor, auth.RoleAdmin}

// CreateRequisition asks a warehouse for parts into a van or an outlet. A technician
// asks only into their own van, an outlet into its store or its technicians' vans.
func (s *Service) CreateRequisition(ctx context.Context, p auth.Principal, in RequisitionInput) (Requisition, error) {
	if !p.HasRole(requesters...) {
		return Requisition{}, apperr.Forbidden("your role may not request parts")
	}
	if err := in.Validate(); err != nil {
		return Requisition{}, err
	}
	to, err := defaultTarget(p, in.To)
	if err != nil {
		return Requisition{}, err
	}
	d, err := s.newRequisition(ctx, p, in, to)
	if err != nil {
		return Requisition{}, err
	}
	entry := aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "request", To: StatusRequested, Note: in.Note}
	if err := s.requisitions.Create(ctx, d.ID, d, entry); err != nil {
		return Requisition{}, err
	}
	return s.Requisition(ctx, p, d.ID)
}

func defaultTarget(p auth.Principal, to string) (Location, error) {
	switch {
	case to != "":
		return ParseLocation(to)
	case p.Role == auth.RoleTechnician:
		return Van(p.TechnicianID), nil
	case p.Role == auth.RoleOutlet:
		return Outlet(p.OutletID), nil
	}
	return Location{}, invalid("to", "is required")
}

func (s *Service) newRequisition(ctx context.Context, p auth.Principal, in RequisitionInput, to Location) (requisitionDoc, error) {
	from := Warehouse(in.FromWarehouse)
	if err := s.mustControl(ctx, p, to, "to"); err != nil {
		return requisitionDoc{}, err
	}
	if err := s.mustExist(ctx, from, "from_warehouse"); err != nil {
		return requisitionDoc{}, err
	}
	order, err := s.orderFor(ctx, p, in.OrderID)
	if err != nil {
		return requisitionDoc{}, err
	}
	lines, err := s.requestedLines(ctx, in.Lines, order)
	if err != nil {
		return requisitionDoc{}, err
	}
	d := requisitionDoc{ID: ids.New("REQ"), Status: StatusRequested, From: from.String(), WarehouseID: from.ID,
		To: to.String(), OrderID: order.ID, Lines: lines, Currency: s.cfg.Currency, Note: strings.TrimSpace(in.Note),
		RequestedBy: p.UserID, Ops: []string{}}
	for _, l := range lines {
		d.Value += l.Qty * l.UnitCost
	}
	if to.Kind == KindVan {
		d.TechnicianID = to.ID
	}
	d.OutletID, err = s.outletOf(ctx, p, to, order)
	return d, err
}

// orderFor looks up the service order the parts are for; a technician may name only
// their own orders and an outlet only its outlet's.
func (s *Service) orderFor(ctx context.Context, p auth.Principal, orderID string) (OrderInfo, error) {
	if orderID == "" {
		return OrderInfo{}, nil
	}
	o, err := s.orders.OrderForParts(ctx, orderID)
	if errors.Is(err, apperr.ErrNotFound) {
		return o, notFoundAt("order_id", "order")
	}
	if err != nil {
		return o, err
	}
	if (p.Role == auth.RoleTechnician && o.TechnicianID != p.TechnicianID) || (p.Role == auth.RoleOutlet && o.OutletID != p.OutletID) {
		return o, notFoundAt("order_id", "order")
	}
	return o, nil
}

func (s *Service) requestedLines(ctx context.Context, in []LineInput, order OrderInfo) ([]lineDoc, error) {
	nos := make([]string, len(in))
	for i, l := range in {
		nos[i] = NormalizePartNo(l.PartNo)
	}
	field := func(i int) string { return fmt.Sprintf("lines[%d].part_no", i) }
	catalog, err := s.partsFor(ctx, nos, field, true)
	if err != nil {
		return nil, err
	}
	out, f := make([]lineDoc, len(in)), apperr.Fields{}
	for i, l := range in {
		part := catalog[nos[i]]
		if !part.fits(order.Category) {
			f.Add(field(i), "does not fit a %s", order.Category)
		}
		out[i] = lineDoc{PartNo: part.ID, Qty: l.Qty, Serialised: part.Serialised, Serials: []string{}, UnitCost: part.UnitCost}
	}
	return out, f.Err()
}

// outletOf is the outlet a requisition into to belongs to, for the outlet's view.
func (s *Service) outletOf(ctx context.Context, p auth.Principal, to Location, order OrderInfo) (string, error) {
	switch {
	case p.Role == auth.RoleTechnician || p.Role == auth.RoleOutlet:
		return p.OutletID, nil
	case to.Kind == KindOutlet:
		return to.ID, nil
	case order.OutletID != "":
		return order.OutletID, nil
	}
	return s.vanOutlet(ctx, to.ID)
}

// Requisition returns one requisition p may see.
func (s *Service) Requisition(ctx context.Context, p auth.Principal, id string) (Requisition, error) {
	d, err := s.visibleRequisition(ctx, p, id)
	return d.view(), err
}

func (s *Service) visibleRequisition(ctx context.Context, p auth.Principal, id string) (requisitionDoc, error) {
	var d requisitionDoc
	if err := s.requisitions.Load(ctx, id, &d); err != nil {
		return d, err
	}
	if !ownedBy(p, d.WarehouseID, d.TechnicianID, d.OutletID) {
		return requisitionDoc{}, apperr.NotFound("requisition")
	}
	return d, nil
}

// RequisitionFilter narrows the list.
type RequisitionFilter struct {
	Status       string
	TechnicianID string
	OrderID      string
}

// Requisitions lists what p may see, one page.
func (s *Service) Requisitions(ctx context.Context, p auth.Principal, f RequisitionFilter, page httpx.Page) (httpx.PageResult[Requisition], error) {
	filter, err := ownerFilter(p)
	if err != nil {
		return httpx.PageResult[Requisition]{}, err
	}
	for k, v := range map[string]string{"status": f.Status, "technician_id": f.TechnicianID, "order_id": f.OrderID} {
		if v != "" {
			filter = append(filter, bson.E{Key: k, Value: v})
		}
	}
	return findPage(ctx, s.requisitions.Collection(), filter, page, requisitionDoc.view, func(r Requisition) string { return r.ID })
}

// Approve approves a requisition within the approver's limit.
func (s *Service) Approve(ctx context.Context, p auth.Principal, id string) (Requisition, error) {
	d, err := s.actOn(ctx, p, id, ActApprove)
	if err != nil {
		return Requisition{}, err
	}
	limit, ok := s.cfg.ApprovalLimits[p.Role]
	if !ok || (limit >= 0 && d.Value > limit) {
		e := apperr.Forbidden("the requisition is above your approval limit")
		e.Details = map[string]string{"value": fmt.Sprintf("%d %s exceeds your limit of %d", d.Value, d.Currency, max(limit, 0))}
		return Requisition{}, e
	}
	d.ApprovedBy = p.UserID
	return s.settle(ctx, p, d, ActApprove, nil, "")
}

// Reject turns a requisition down.
func (s *Service) Reject(ctx context.Context, p auth.Principal, id string, in ReasonInput) (Requisition, error) {
	if err := in.Validate(); err != nil {
		return Requisition{}, err
	}
	d, err := s.actOn(ctx, p, id, ActReject)
	if err != nil {
		return Requisition{}, err
	}
	d.Reason = in.Reason
	return s.settle(ctx, p, d, ActReject, nil, in.Reason)
}

// actOn loads a requisition p may see and checks that act is allowed on it, once any
// earlier change's stock operations are settled.
func (s *Service) actOn(ctx context.Context, p auth.Principal, id, act string) (requisitionDoc, error) {
	d, err := s.visibleRequisition(ctx, p, id)
	if err != nil {
		return d, err
	}
	if err := requisitionMachine[act].check(act, d.Status, p); err != nil {
		return d, err
	}
	repaired, err := s.settleEarlier(ctx, id)
	if err != nil || !repaired {
		return d, err
	}
	return s.actOn(ctx, p, id, act) // the repair may have moved it
}

// settle moves d by act and reads it back for p. Stock moved for a move that then
// loses its race is undone.
func (s *Service) settle(ctx context.Context, p auth.Principal, d requisitionDoc, act string, ops []op, note string) (Requisition, error) {
	err := s.afterStock(ctx, ops, func() error { return s.recordRequisition(ctx, p, d, act, ops, note) })
	if err != nil {
		return Requisition{}, err
	}
	return s.Requisition(ctx, p, d.ID)
}

// recordRequisition is the one conditional write of act on d (at the version read),
// recording the stock operations that ran for it.
func (s *Service) recordRequisition(ctx context.Context, p auth.Principal, d requisitionDoc, act string, ops []op, note string) error {
	t := requisitionMachine[act]
	change := aggregate.Change{ID: d.ID, Version: d.Version, Where: bson.D{{Key: "status", Value: d.Status}},
		Set:   append(bson.D{{Key: "status", Value: t.to}}, requisitionSet(d, act, s.clock.Now())...),
		Push:  bson.D{{Key: "ops", Value: bson.D{{Key: "$each", Value: opIDs(ops)}}}},
		Entry: aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: act, From: d.Status, To: t.to, Note: note}}
	return s.requisitions.Apply(ctx, change)
}

// requisitionSet is what act records besides the status.
func requisitionSet(d requisitionDoc, act string, now time.Time) bson.D {
	switch act {
	case ActApprove:
		return bson.D{{Key: "approved_by", Value: d.ApprovedBy}}
	case ActIssue:
		return bson.D{{Key: "lines", Value: d.Lines}, {Key: "issued_at", Value: now}}
	case ActReceive:
		return bson.D{{Key: "received_at", Value: now}}
	}
	return bson.D{{Key: "reason", Value: d.Reason}}
}

func opIDs(ops []op) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.ID
	}
	return out
}
