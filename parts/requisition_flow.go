package parts

import (
	"context"
	"fmt"
	"slices"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// Issue reserves the requisition's parts at its warehouse for the requester to pick up:
// on hand goes down, reserved up; picked serials become reserved. It is refused with 409
// when the stock is not there, and then nothing is reserved.
func (s *Service) Issue(ctx context.Context, p auth.Principal, id string, in IssueInput) (Requisition, error) {
	d, err := s.actOn(ctx, p, id, ActIssue)
	if err != nil {
		return Requisition{}, err
	}
	lines, err := pickSerials(d.Lines, in)
	if err != nil {
		return Requisition{}, err
	}
	d.Lines = lines
	ops, fields := requisitionOps(d, ActIssue, p)
	if err := s.runOps(ctx, ops, fields); err != nil {
		return Requisition{}, err
	}
	return s.settle(ctx, p, d, ActIssue, ops, "")
}

// requisitionOps are the stock operations of act on d, in a fixed order, and the
// request field each answers to.
func requisitionOps(d requisitionDoc, act string, p auth.Principal) ([]op, []string) {
	var ops []op
	var fields []string
	for i, l := range d.Lines {
		var lineOps []op
		switch {
		case act == ActIssue:
			lineOps = reserveOps(l, d.From, ReasonIssue, d.ID, p)
		case act == ActReceive:
			lineOps = deliverOps(l, d.From, d.To, ReasonReceive, d.ID, d.OutletID, p)
		case act == ActCancel && d.Status == StatusIssued:
			lineOps = releaseOps(l, d.From, d.ID, p)
		}
		for _, o := range lineOps {
			ops, fields = append(ops, o), append(fields, lineField(i, l))
		}
	}
	return inBatch(ops, d.ID, act), fields
}

func lineField(i int, l lineDoc) string {
	if l.Serialised {
		return fmt.Sprintf("lines[%d].serials", i)
	}
	return fmt.Sprintf("lines[%d].qty", i)
}

// pickSerials puts the picked serials on the serialised lines: exactly qty distinct
// serials each, and none on other lines.
func pickSerials(lines []lineDoc, in IssueInput) ([]lineDoc, error) {
	f, picked := apperr.Fields{}, map[string][]string{}
	for i, l := range in.Lines {
		no := NormalizePartNo(l.PartNo)
		field := fmt.Sprintf("lines[%d]", i)
		if !slices.ContainsFunc(lines, func(d lineDoc) bool { return d.PartNo == no }) {
			f.Add(field+".part_no", "is not on the requisition")
			continue
		}
		serials, ok := normalizeSerials(l.Serials)
		if !ok {
			f.Add(field+".serials", "must be distinct serials of 1-64 letters, digits, '.', '_' or '-'")
		}
		picked[no] = serials
	}
	out := slices.Clone(lines)
	for i, l := range out {
		got := picked[l.PartNo]
		switch {
		case l.Serialised && int64(len(got)) != l.Qty:
			f.Add(fmt.Sprintf("lines[%d].serials", i), "%s is serialised: give exactly %d serials", l.PartNo, l.Qty)
		case !l.Serialised && len(got) > 0:
			f.Add(fmt.Sprintf("lines[%d].serials", i), "%s is not serialised", l.PartNo)
		}
		out[i].Serials = nonNil(got)
	}
	return out, f.Err()
}

func normalizeSerials(in []string) ([]string, bool) {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = NormalizeSerial(s)
		if !validSerial(s) || slices.Contains(out, s) {
			return out, false
		}
		out = append(out, s)
	}
	return out, true
}

// reserveOps hold a line at loc: on hand → reserved, one op per serial.
func reserveOps(l lineDoc, loc, reason, ref string, p auth.Principal) []op {
	return lineOps(l, reason, ref, p, func(qty int64) []leg {
		return []leg{{Location: loc, PartNo: l.PartNo, OnHand: -qty, Reserved: qty}}
	}, &serialPos{Location: loc, State: onHandState(kindOf(loc))}, serialPos{Location: loc, State: SerialReserved})
}

// releaseOps give a reservation at loc back: reserved → on hand.
func releaseOps(l lineDoc, loc, ref string, p auth.Principal) []op {
	return lineOps(l, ReasonRelease, ref, p, func(qty int64) []leg {
		return []leg{{Location: loc, PartNo: l.PartNo, OnHand: qty, Reserved: -qty}}
	}, &serialPos{Location: loc, State: SerialReserved}, serialPos{Location: loc, State: onHandState(kindOf(loc))})
}

// deliverOps move a line reserved at from into the stock on hand at to.
func deliverOps(l lineDoc, from, to, reason, ref, outlet string, p auth.Principal) []op {
	ops := lineOps(l, reason, ref, p, func(qty int64) []leg {
		return []leg{{Location: from, PartNo: l.PartNo, Reserved: -qty}, {Location: to, PartNo: l.PartNo, OnHand: qty}}
	}, &serialPos{Location: from, State: SerialReserved}, serialPos{Location: to, State: onHandState(kindOf(to))})
	for i := range ops {
		ops[i].Outlet = outlet
	}
	return ops
}

// lineOps is one op for a non-serialised line, one per serial for a serialised one.
func lineOps(l lineDoc, reason, ref string, p auth.Principal, legs func(qty int64) []leg, from *serialPos, to serialPos) []op {
	if !l.Serialised {
		o := newOp(reason, ref, p.Actor())
		o.Legs = legs(l.Qty)
		return []op{o}
	}
	ops := make([]op, len(l.Serials))
	for i, sn := range l.Serials {
		o := newOp(reason, ref, p.Actor())
		o.Legs = legs(1)
		o.Serial = &serialMove{PartNo: l.PartNo, Serial: sn, From: from, To: to}
		ops[i] = o
	}
	return ops
}

// Receive confirms the requester has the parts: they move from the warehouse's
// reservation into the van or outlet.
func (s *Service) Receive(ctx context.Context, p auth.Principal, id string) (Requisition, error) {
	d, err := s.actOn(ctx, p, id, ActReceive)
	if err != nil {
		return Requisition{}, err
	}
	ops, fields := requisitionOps(d, ActReceive, p)
	if err := s.runOps(ctx, ops, fields); err != nil {
		return Requisition{}, err
	}
	return s.settle(ctx, p, d, ActReceive, ops, "")
}

// Cancel withdraws a requisition. The requester may cancel until it is issued; once
// issued only the warehouse (or a supervisor) can, and the reservation is released.
func (s *Service) Cancel(ctx context.Context, p auth.Principal, id string, in ReasonInput) (Requisition, error) {
	if err := in.Validate(); err != nil {
		return Requisition{}, err
	}
	d, err := s.actOn(ctx, p, id, ActCancel)
	if err != nil {
		return Requisition{}, err
	}
	if d.Status == StatusIssued && p.HasRole(auth.RoleTechnician, auth.RoleOutlet) {
		return Requisition{}, apperr.Conflict("an issued requisition can only be cancelled by the warehouse")
	}
	d.Reason = in.Reason
	ops, fields := requisitionOps(d, ActCancel, p)
	if err := s.runOps(ctx, ops, fields); err != nil {
		return Requisition{}, err
	}
	return s.settle(ctx, p, d, ActCancel, ops, in.Reason)
}
