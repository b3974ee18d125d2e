package rma

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/registry"
)

// Receive records what a warehouse found in a returned parcel, per line and serial.
// A serial that does not belong to the RMA line marks the line not_matching and blocks
// the refund (or replacement, or repair) until a supervisor decides; short and excess
// quantities are recorded.
func (s *Service) Receive(ctx context.Context, p auth.Principal, id string, in ReceiptInput) (*RMA, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, func(r *RMA) (action, change, error) {
		if err := unknownLines(r, len(in.Lines), func(i int) int { return in.Lines[i].LineNo }); err != nil {
			return "", change{}, err
		}
		lines, notes := slices.Clone(r.Lines), []string{}
		for i := range lines {
			got := ReceiptLine{LineNo: lines[i].LineNo}
			if j := slices.IndexFunc(in.Lines, func(l ReceiptLine) bool { return l.LineNo == lines[i].LineNo }); j >= 0 {
				got = in.Lines[j]
			}
			lines[i].Received = receiptOf(lines[i], got)
			notes = append(notes, fmt.Sprintf("line %d: %d of %d %s", lines[i].LineNo, got.QtyReceived, lines[i].Qty,
				lines[i].Received.Result))
		}
		r.Lines = lines
		blocked := r.receivedForeign()
		rc := Receipt{At: s.clock.Now(), By: p.UserID, Notes: strings.TrimSpace(in.Notes)}
		return actReceive, change{note: strings.Join(notes, "; "), set: bson.D{{Key: "lines", Value: lines},
			{Key: "receipt", Value: rc}, {Key: "refund_blocked", Value: blocked}}}, nil
	})
}

// unknownLines refuses line numbers that are not the RMA's.
func unknownLines(r *RMA, n int, lineNo func(i int) int) error {
	f := apperr.Fields{}
	for i := range n {
		if _, ok := r.line(lineNo(i)); !ok {
			f.Add(fmt.Sprintf("lines[%d].line_no", i), "is not a line of this RMA")
		}
	}
	return f.Err()
}

// receiptOf compares what arrived for l with what was expected.
func receiptOf(l Line, got ReceiptLine) *LineReceipt {
	rc := &LineReceipt{Qty: got.QtyReceived, Serials: []string{}, Unexpected: []string{}, Missing: []string{}}
	expected := l.expectedSerials()
	for _, s := range got.SerialsReceived {
		s = registry.NormalizeSerial(s)
		rc.Serials = append(rc.Serials, s)
		if !slices.Contains(expected, s) {
			rc.Unexpected = append(rc.Unexpected, s)
		}
	}
	for _, s := range l.Serials {
		if !slices.Contains(rc.Serials, s) {
			rc.Missing = append(rc.Missing, s)
		}
	}
	switch {
	case len(rc.Unexpected) > 0:
		rc.Result = ReceiptNotMatching
	case rc.Qty < l.Qty:
		rc.Result = ReceiptShort
	case rc.Qty > l.Qty:
		rc.Result = ReceiptExcess
	default:
		rc.Result = ReceiptMatching
	}
	return rc
}

// Inspect grades every line that received goods. A not_matching grade blocks the RMA
// like a not-matching receipt does, even when a supervisor accepted the receipt: it is
// a new finding. A block from the receipt that is still undecided stays.
func (s *Service) Inspect(ctx context.Context, p auth.Principal, id string, in InspectionInput) (*RMA, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, func(r *RMA) (action, change, error) {
		if err := unknownLines(r, len(in.Lines), func(i int) int { return in.Lines[i].LineNo }); err != nil {
			return "", change{}, err
		}
		lines, f, notes := slices.Clone(r.Lines), apperr.Fields{}, []string{}
		for i, l := range lines {
			j := slices.IndexFunc(in.Lines, func(g InspectionLine) bool { return g.LineNo == l.LineNo })
			arrived := l.Received != nil && l.Received.Qty > 0
			switch {
			case j < 0 && arrived:
				f.Add("lines", "line %d received goods and needs a grade", l.LineNo)
			case j >= 0 && !arrived:
				f.Add(fmt.Sprintf("lines[%d].line_no", j), "line %d received nothing to grade", l.LineNo)
			case j >= 0:
				lines[i].Grade = in.Lines[j].Grade
				notes = append(notes, fmt.Sprintf("line %d %s", l.LineNo, lines[i].Grade))
			}
		}
		if err := f.Err(); err != nil {
			return "", change{}, err
		}
		r.Lines = lines
		return actInspect, change{note: strings.Join(append(notes, strings.TrimSpace(in.Notes)), "; "),
			set: bson.D{{Key: "lines", Value: lines}, {Key: "refund_blocked", Value: r.RefundBlocked || r.gradedNotMatching()}}}, nil
	})
}

// Reship confirms a replacement sent to the customer of an exchange.
func (s *Service) Reship(ctx context.Context, p auth.Principal, id string, in ShipmentInput) (*RMA, error) {
	return s.settleShipment(ctx, p, id, in, actReship, "reshipment")
}

// RepairReturned confirms a repaired unit sent back to the customer of a depot repair.
func (s *Service) RepairReturned(ctx context.Context, p auth.Principal, id string, in ShipmentInput) (*RMA, error) {
	return s.settleShipment(ctx, p, id, in, actRepairReturn, "repair_return")
}

func (s *Service) settleShipment(ctx context.Context, p auth.Principal, id string, in ShipmentInput, act action, field string) (*RMA, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, func(r *RMA) (action, change, error) {
		if _, err := next(r, p.Role, act); err != nil {
			return "", change{}, err
		}
		if r.RefundBlocked {
			return "", change{}, errBlocked
		}
		sh := s.shipment(p, in)
		return act, change{note: sh.Carrier + " " + sh.TrackingNo, set: bson.D{{Key: field, Value: sh}},
			events: []aggregate.Event{closeEvent(r)}}, nil
	})
}

var errBlocked = apperr.Conflict("goods that did not match were received; a supervisor must decide first")

// closeEvent closes the RMA once its last step is written.
func closeEvent(r *RMA) aggregate.Event {
	return aggregate.NewEvent(TypeClose, queue.Default, Ref{RMAID: r.ID})
}

// close ends an RMA whose refund, replacement or repair is done. Depot repairs give
// their quantities back: the unit is the customer's again and may come back again.
func (s *Service) close(ctx context.Context, id string) error {
	return s.retry(ctx, id, func(r *RMA) error {
		if _, err := next(r, aggregate.System.Role, actClose); err != nil {
			return errNoop
		}
		return s.end(ctx, aggregate.System, r, actClose, OutcomeCompleted, closingNote(r))
	})
}

func closingNote(r *RMA) string {
	switch {
	case r.Refund != nil:
		return fmt.Sprintf("refunded %d %s by %s", r.Refund.Amount, r.Refund.Currency, r.Refund.Method)
	case r.Reshipment != nil:
		return "replacement shipped " + r.Reshipment.Carrier + " " + r.Reshipment.TrackingNo
	case r.RepairReturn != nil:
		return "repaired, returned " + r.RepairReturn.Carrier + " " + r.RepairReturn.TrackingNo
	}
	return "done"
}
