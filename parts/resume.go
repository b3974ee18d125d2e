package parts

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// accepts reports whether the owner of o recorded it. Operations outside any owner's
// action (goods in, adjustments, undos) stand once landed.
func (s *Service) accepts(ctx context.Context, o op) (bool, error) {
	var owner struct {
		Ops     []string `bson:"ops"`
		StockOp string   `bson:"stock_op"`
	}
	var err error
	switch {
	case o.Batch == "":
		return true, nil
	case strings.HasPrefix(o.Ref, "CON-"):
		err = s.consumptions.Load(ctx, o.Ref, &owner)
	case strings.HasPrefix(o.Ref, "REQ-"):
		err = s.requisitions.Load(ctx, o.Ref, &owner)
	case strings.HasPrefix(o.Ref, "TRF-"):
		err = s.transfers.Load(ctx, o.Ref, &owner)
	default:
		return false, nil
	}
	if err != nil {
		return false, ignoreNotFound(err)
	}
	return owner.StockOp == o.ID || slices.Contains(owner.Ops, o.ID), nil
}

// resumePlan is an interrupted action derived afresh from its owner: every operation it
// takes, in batch order, and the owner's write that records them.
type resumePlan struct {
	ops    []op
	record func(ops []op) error
}

var systemPrincipal = auth.Principal{UserID: aggregate.System.ID, Role: aggregate.System.Role}

const resumedNote = "finished by recovery after an interruption"

// resumePlan derives the action of batch from its owner, when the owner still waits
// for it. Creations (a transfer shipped, a consumption) have no owner to derive from.
func (s *Service) resumePlan(ctx context.Context, batch string, have []batchOp) (resumePlan, bool, error) {
	parts := strings.SplitN(batch, "/", 3)
	if len(parts) < 2 {
		return resumePlan{}, false, nil
	}
	ref, act := parts[0], parts[1]
	switch {
	case strings.HasPrefix(ref, "REQ-"):
		var d requisitionDoc
		if err := s.requisitions.Load(ctx, ref, &d); err != nil {
			return resumePlan{}, false, ignoreNotFound(err)
		}
		if !slices.Contains(requisitionMachine[act].from, d.Status) {
			return resumePlan{}, false, nil
		}
		if act == ActIssue {
			lines, ok := pickedSerials(d.Lines, have)
			if !ok {
				return resumePlan{}, false, nil
			}
			d.Lines = lines
		}
		d.Reason = resumedNote
		ops, _ := requisitionOps(d, act, systemPrincipal)
		record := func(ops []op) error { return s.recordRequisition(ctx, systemPrincipal, d, act, ops, resumedNote) }
		return resumePlan{ops: ops, record: record}, true, nil
	case strings.HasPrefix(ref, "TRF-") && act != ActShip:
		var d transferDoc
		if err := s.transfers.Load(ctx, ref, &d); err != nil {
			return resumePlan{}, false, ignoreNotFound(err)
		}
		if !slices.Contains(transferMachine[act].from, d.Status) {
			return resumePlan{}, false, nil
		}
		ops, _ := transferOps(d, act, systemPrincipal)
		record := func(ops []op) error { return s.recordTransfer(ctx, systemPrincipal, d, act, ops) }
		return resumePlan{ops: ops, record: record}, true, nil
	}
	return resumePlan{}, false, nil
}

// pickedSerials rebuilds an issue's picked serials from its operations; it can only
// when every operation of the batch was written.
func pickedSerials(lines []lineDoc, have []batchOp) ([]lineDoc, bool) {
	if len(have) == 0 || len(have) != have[0].op.BatchSize {
		return nil, false
	}
	out := slices.Clone(lines)
	for i, l := range out {
		out[i].Serials = []string{}
		for _, b := range have {
			if b.op.Serial != nil && b.op.Serial.PartNo == l.PartNo {
				out[i].Serials = append(out[i].Serials, b.op.Serial.Serial)
			}
		}
		if l.Serialised && int64(len(out[i].Serials)) != l.Qty {
			return nil, false
		}
	}
	return out, true
}

// resume runs what the action still lacks (an operation written but never landed runs
// afresh) and has the owner record it. A refusal undoes the whole action.
func (s *Service) resume(ctx context.Context, plan resumePlan, have []batchOp) (string, error) {
	byIndex := map[int]batchOp{}
	for _, b := range have {
		byIndex[b.op.BatchIndex] = b
	}
	final := make([]batchOp, 0, len(plan.ops))
	for i, want := range plan.ops {
		b, ok := byIndex[i]
		switch {
		case ok && b.landed && sameMove(b.op, want):
			if err := s.ledger.rollForward(ctx, b.op); err != nil {
				return "", err
			}
			final = append(final, b)
			continue
		case ok && b.landed: // the ledger holds another move than the owner derives
			return outcomeRolledBack, s.undoBatch(ctx, append(final, landedOnly(have, final)...))
		case ok:
			if err := s.ledger.discard(ctx, b.op.ID); err != nil {
				return "", err
			}
		}
		if err := s.ledger.run(ctx, want); err != nil {
			if !refused(err) {
				return "", err
			}
			return outcomeRolledBack, s.undoBatch(ctx, append(final, landedOnly(have, final)...))
		}
		final = append(final, batchOp{op: want, landed: true})
	}
	ops := make([]op, len(final))
	for i, b := range final {
		ops[i] = b.op
	}
	if err := plan.record(ops); err != nil {
		if !errors.Is(err, apperr.ErrVersionConflict) && !errors.Is(err, apperr.ErrConflict) {
			return "", err
		}
		return outcomeRolledBack, s.undoBatch(ctx, final)
	}
	return outcomeCompleted, s.finish(ctx, final)
}

// landedOnly is what landed of have that is not in final.
func landedOnly(have, final []batchOp) []batchOp {
	var out []batchOp
	for _, b := range have {
		if b.landed && !slices.ContainsFunc(final, func(f batchOp) bool { return f.op.ID == b.op.ID }) {
			out = append(out, b)
		}
	}
	return out
}

// sameMove reports whether two operations move the same stock the same way.
func sameMove(a, b op) bool {
	if !slices.Equal(a.Legs, b.Legs) || (a.Serial == nil) != (b.Serial == nil) {
		return false
	}
	return a.Serial == nil || (a.Serial.PartNo == b.Serial.PartNo && a.Serial.Serial == b.Serial.Serial)
}
