package parts

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/mongox"
)

// ReconcileResult counts what a repair did with operations a crash left pending.
type ReconcileResult struct {
	Completed  int `json:"completed" doc:"actions finished and recorded by their owner"`
	RolledBack int `json:"rolled_back" doc:"actions that could not be finished: their stock put back"`
	Discarded  int `json:"discarded" doc:"operations that never landed: their pending entries removed"`
	Failed     int `json:"failed" doc:"could not be repaired (logged); they stay pending and show in the ledger check"`
}

const (
	outcomeCompleted  = "completed"
	outcomeRolledBack = "rolled_back"
	outcomeDiscarded  = "discarded"
)

// Reconcile repairs stock operations left pending longer than the recovery grace: the
// trace of a process that died mid-way. See repairBatch for what happens to each.
func (s *Service) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var res ReconcileResult
	cutoff := s.clock.Now().Add(-s.cfg.RecoveryGrace)
	var stale []entryDoc
	err := s.ledger.entries.Find(ctx, bson.D{{Key: "state", Value: entryPending}, {Key: "at", Value: bson.D{{Key: "$lt", Value: cutoff}}}}, &stale)
	if err != nil {
		return res, err
	}
	seen := map[string]bool{}
	for _, e := range stale {
		if seen[repairKey(e)] {
			continue
		}
		seen[repairKey(e)] = true
		outcome, err := s.repair(ctx, e)
		if err != nil {
			if ctx.Err() != nil {
				return res, err
			}
			s.log.ErrorContext(ctx, "stock operation could not be repaired", "key", repairKey(e), "err", err)
			res.Failed++
			continue
		}
		switch outcome {
		case outcomeCompleted:
			res.Completed++
		case outcomeRolledBack:
			res.RolledBack++
		case outcomeDiscarded:
			res.Discarded++
		}
	}
	return res, nil
}

func repairKey(e entryDoc) string {
	if e.Batch != "" {
		return "batch " + e.Batch
	}
	return "op " + e.Op
}

func (s *Service) repair(ctx context.Context, e entryDoc) (string, error) {
	if e.Batch != "" {
		return s.repairBatch(ctx, e.Batch)
	}
	return s.repairOp(ctx, e.Op)
}

// settleEarlier makes an action on owner ref wait for the stock operations of an
// earlier action on it: while they may still be in flight it answers 409 (retry in a
// minute); once they are stale it repairs them and reports so. Without this, a second
// action could act on stock the first one moved but never recorded.
func (s *Service) settleEarlier(ctx context.Context, ref string) (bool, error) {
	var pending []entryDoc
	if err := s.ledger.entries.Find(ctx, bson.D{{Key: "ref", Value: ref}, {Key: "state", Value: entryPending}}, &pending); err != nil {
		return false, err
	}
	cutoff := s.clock.Now().Add(-s.cfg.RecoveryGrace)
	for _, e := range pending {
		if !e.At.Before(cutoff) {
			return false, apperr.Conflict("an earlier change of %s is still being settled; retry in a minute", ref)
		}
	}
	for _, e := range pending {
		if _, err := s.repair(ctx, e); err != nil {
			return false, err
		}
	}
	return len(pending) > 0, nil
}

// repairOp finishes an operation no owner records (goods in, adjustment, undo): if it
// landed it stands, else its entries are discarded.
func (s *Service) repairOp(ctx context.Context, opID string) (string, error) {
	entries, err := s.ledger.entriesOfOp(ctx, opID)
	if err != nil || !anyPending(entries) {
		return "", err
	}
	o := opFromEntries(entries)
	landed, err := s.ledger.settledOrLanded(ctx, o, entries)
	if err != nil {
		return "", err
	}
	if !landed {
		return outcomeDiscarded, s.ledger.discard(ctx, o.ID)
	}
	if err := s.ledger.rollForward(ctx, o); err != nil {
		return "", err
	}
	return outcomeCompleted, s.ledger.confirm(ctx, o)
}

func anyPending(entries []entryDoc) bool {
	return slices.ContainsFunc(entries, func(e entryDoc) bool { return e.State == entryPending })
}

// batchOp is one operation of an interrupted action as the ledger has it.
type batchOp struct {
	op      op
	entries []entryDoc
	landed  bool
}

// repairBatch finishes one owner's interrupted action. If the owner already recorded
// it, its operations are settled; if none of its stock moved, it is discarded as if
// never asked. Else, when the action can be derived from the owner
// (receive or cancel of a requisition or transfer, an issue whose serials are all
// known) and the owner still waits for it, the missing operations run and the owner
// records the action: the stock has moved, so the record follows it. Otherwise (a
// consumption or transfer never created, an issue half-picked) what landed is undone.
func (s *Service) repairBatch(ctx context.Context, batch string) (string, error) {
	ops, err := s.batchOps(ctx, batch)
	if err != nil || len(ops) == 0 {
		return "", err
	}
	recorded := true
	for _, b := range ops {
		ok, err := s.accepts(ctx, b.op)
		if err != nil {
			return "", err
		}
		recorded = recorded && ok && b.landed
	}
	if recorded {
		return outcomeCompleted, s.finish(ctx, ops)
	}
	if !slices.ContainsFunc(ops, func(b batchOp) bool { return b.landed }) {
		return outcomeDiscarded, s.undoBatch(ctx, ops) // nothing moved: as if never asked
	}
	plan, ok, err := s.resumePlan(ctx, batch, ops)
	if err != nil {
		return "", err
	}
	if !ok {
		return outcomeRolledBack, s.undoBatch(ctx, ops)
	}
	return s.resume(ctx, plan, ops)
}

func (s *Service) batchOps(ctx context.Context, batch string) ([]batchOp, error) {
	var entries []entryDoc
	err := s.ledger.entries.Find(ctx, bson.D{{Key: "batch", Value: batch}}, &entries,
		options.Find().SetSort(bson.D{{Key: "batch_index", Value: 1}, {Key: "op", Value: 1}, {Key: "leg", Value: 1}}))
	if err != nil || !anyPending(entries) {
		return nil, err
	}
	var out []batchOp
	for _, e := range entries {
		if len(out) == 0 || out[len(out)-1].entries[0].Op != e.Op {
			out = append(out, batchOp{})
		}
		out[len(out)-1].entries = append(out[len(out)-1].entries, e)
	}
	for i := range out {
		out[i].op = opFromEntries(out[i].entries)
		if out[i].landed, err = s.ledger.settledOrLanded(ctx, out[i].op, out[i].entries); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) finish(ctx context.Context, ops []batchOp) error {
	for _, b := range ops {
		if err := s.ledger.rollForward(ctx, b.op); err != nil {
			return err
		}
		if err := s.ledger.confirm(ctx, b.op); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) undoBatch(ctx context.Context, ops []batchOp) error {
	if len(ops) > 0 {
		s.log.WarnContext(ctx, "undoing an interrupted action", "batch", ops[0].op.Batch)
	}
	for i := len(ops) - 1; i >= 0; i-- {
		b := ops[i]
		if recorded, err := s.accepts(ctx, b.op); err != nil || recorded {
			if err == nil {
				err = s.finish(ctx, []batchOp{b}) // its owner counts on it: it stays
			}
			if err != nil {
				return err
			}
			continue
		}
		if !b.landed {
			if err := s.ledger.discard(ctx, b.op.ID); err != nil {
				return err
			}
			continue
		}
		if err := s.ledger.rollForward(ctx, b.op); err != nil {
			return err
		}
		if err := s.ledger.undo(ctx, b.op); err != nil {
			return err
		}
		if err := s.ledger.confirm(ctx, b.op); err != nil {
			return err
		}
	}
	return nil
}

func (l *ledger) entriesOfOp(ctx context.Context, opID string) ([]entryDoc, error) {
	var out []entryDoc
	err := l.entries.Find(ctx, bson.D{{Key: "op", Value: opID}}, &out, options.Find().SetSort(bson.D{{Key: "leg", Value: 1}}))
	return out, err
}

func opFromEntries(entries []entryDoc) op {
	e := entries[0]
	o := op{ID: e.Op, Reason: e.Reason, Ref: e.Ref, Note: e.Note, Actor: aggregate.Actor{ID: e.Actor, Role: e.Role}, Outlet: e.Outlet,
		Batch: e.Batch, BatchSize: e.BatchSize, BatchIndex: e.BatchIndex}
	for _, x := range entries {
		o.Legs = append(o.Legs, leg{Location: x.Location, PartNo: x.PartNo, OnHand: x.DeltaOnHand, Reserved: x.DeltaReserved})
	}
	if e.Serial != "" && e.SerialTo != nil {
		o.Serial = &serialMove{PartNo: e.PartNo, Serial: e.Serial, From: e.SerialFrom, To: *e.SerialTo}
	}
	return o
}

// settledOrLanded reports whether o took effect: some entry already applied, or every
// entry written and the commit document naming o. Entries are all written before the
// commit, so a missing entry means the commit never ran.
func (l *ledger) settledOrLanded(ctx context.Context, o op, entries []entryDoc) (bool, error) {
	if slices.ContainsFunc(entries, func(e entryDoc) bool { return e.State == entryApplied }) {
		return true, nil
	}
	if len(entries) == 0 || len(entries) != entries[0].Legs {
		return false, nil
	}
	var doc struct {
		Touched   []string `bson:"touched"`
		Movements []string `bson:"movements"`
	}
	var err error
	if o.Serial != nil {
		err = l.serials.FindByID(ctx, serialID(o.Serial.PartNo, o.Serial.Serial), &doc)
	} else {
		err = l.stock.FindByID(ctx, stockID(o.Legs[0].Location, o.Legs[0].PartNo), &doc)
	}
	if err != nil {
		return false, ignoreNotFound(err)
	}
	return slices.Contains(doc.Touched, o.ID) || slices.Contains(doc.Movements, o.ID), nil
}

// ignoreNotFound treats a missing document as an answer, not a failure.
func ignoreNotFound(err error) error {
	if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, mongox.ErrNotFound) {
		return nil
	}
	return err
}

func (l *ledger) discard(ctx context.Context, opID string) error {
	_, err := l.entries.DeleteMany(ctx, bson.D{{Key: "op", Value: opID}, {Key: "state", Value: entryPending}})
	return err
}

// undo applies o's inverse as its own operation, with the fixed id o.ID~undo. An
// inverse that already took effect is only finished; one that never landed is
// discarded and run again. So undoing twice undoes once.
func (l *ledger) undo(ctx context.Context, o op) error {
	inv, err := inverse(o)
	if err != nil {
		return err
	}
	prior, err := l.entriesOfOp(ctx, inv.ID)
	if err != nil {
		return err
	}
	if len(prior) > 0 {
		done, err := l.settledOrLanded(ctx, inv, prior)
		if err != nil {
			return err
		}
		if done {
			if err := l.rollForward(ctx, inv); err != nil {
				return err
			}
			return l.confirm(ctx, inv)
		}
		if err := l.discard(ctx, inv.ID); err != nil {
			return err
		}
	}
	return l.exec(ctx, inv)
}

func inverse(o op) (op, error) {
	inv := op{ID: o.ID + "~undo", Reason: ReasonRollback, Ref: o.Ref, Actor: aggregate.System, Outlet: o.Outlet}
	for i := len(o.Legs) - 1; i >= 0; i-- {
		g := o.Legs[i]
		inv.Legs = append(inv.Legs, leg{Location: g.Location, PartNo: g.PartNo, OnHand: -g.OnHand, Reserved: -g.Reserved})
	}
	if m := o.Serial; m != nil {
		if m.From == nil {
			return op{}, apperr.Conflict("operation %s registered serial %s and cannot be undone", o.ID, m.Serial)
		}
		to := m.To
		inv.Serial = &serialMove{PartNo: m.PartNo, Serial: m.Serial, From: &to, To: *m.From}
	}
	return inv, nil
}
