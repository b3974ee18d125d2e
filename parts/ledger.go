package parts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Ledger entry states: an entry is written pending before its stock change and marked
// applied once the change (and the owner that asked for it) is settled.
const (
	entryPending = "pending"
	entryApplied = "applied"
)

// Reasons a stock figure changes.
const (
	ReasonReceipt  = "receipt"      // goods in at a warehouse
	ReasonAdjust   = "adjust"       // stock count correction
	ReasonIssue    = "issue"        // reserved at the warehouse for a requisition
	ReasonReceive  = "receive"      // moved from the warehouse into the requester's van or outlet
	ReasonRelease  = "release"      // a reservation given back (cancelled requisition or transfer)
	ReasonShip     = "transfer_out" // reserved at the source of a transfer
	ReasonArrive   = "transfer_in"  // moved into the destination of a transfer
	ReasonConsume  = "consume"      // fitted into a customer's unit on a service order
	ReasonRollback = "rollback"     // undoes an operation whose owner did not record it
)

// entryDoc is one stock ledger entry: one leg of one operation.
type entryDoc struct {
	ID            string     `bson:"_id"` // a ULID
	Op            string     `bson:"op"`  // shared by the legs of one operation (a movement id)
	Leg           int        `bson:"leg"`
	Legs          int        `bson:"legs"`
	Batch         string     `bson:"batch,omitempty"` // owner/action: the operations of one owner's action
	BatchSize     int        `bson:"batch_size,omitempty"`
	BatchIndex    int        `bson:"batch_index,omitempty"`
	State         string     `bson:"state"`
	Location      string     `bson:"location"`
	PartNo        string     `bson:"part_no"`
	Serial        string     `bson:"serial,omitempty"`
	DeltaOnHand   int64      `bson:"delta_on_hand"`
	DeltaReserved int64      `bson:"delta_reserved"`
	Reason        string     `bson:"reason"`
	Ref           string     `bson:"ref,omitempty"`
	Note          string     `bson:"note,omitempty"`
	Actor         string     `bson:"actor"`
	Role          string     `bson:"role"`
	Outlet        string     `bson:"outlet_id,omitempty"`
	At            time.Time  `bson:"at"`
	SerialFrom    *serialPos `bson:"serial_from,omitempty"` // a serial op's move, so recovery can invert it
	SerialTo      *serialPos `bson:"serial_to,omitempty"`
}

// stockDoc holds the figures of one non-serialised part at one location. Touched lists
// the operations whose change has landed here but whose entries are not yet applied.
type stockDoc struct {
	ID           string    `bson:"_id"` // location|part_no
	Location     string    `bson:"location"`
	LocationKind string    `bson:"location_kind"`
	PartNo       string    `bson:"part_no"`
	OutletID     string    `bson:"outlet_id,omitempty"` // a van's outlet, when known
	OnHand       int64     `bson:"on_hand"`
	Reserved     int64     `bson:"reserved"`
	Touched      []string  `bson:"touched"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

// serialDoc is one serialised part. Movements lists every operation that moved it.
type serialDoc struct {
	ID        string    `bson:"_id"` // part_no|serial
	PartNo    string    `bson:"part_no"`
	Serial    string    `bson:"serial"`
	Location  string    `bson:"location"`
	State     string    `bson:"state"`
	OutletID  string    `bson:"outlet_id,omitempty"`
	Ref       string    `bson:"ref,omitempty"` // what last moved it
	Movements []string  `bson:"movements"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

// leg is one change of one stock figure.
type leg struct {
	Location string
	PartNo   string
	OnHand   int64
	Reserved int64
}

type serialPos struct {
	Location string `bson:"location"`
	State    string `bson:"state"`
}

// serialMove moves one serial; From nil creates it (goods in).
type serialMove struct {
	PartNo, Serial string
	From           *serialPos
	To             serialPos
}

// op is one stock operation. Its commit point is ONE conditional write: the serial
// document for a serial op, else the first leg's stock document. Legs after the first
// only add stock, so once the commit landed they can always be rolled forward.
type op struct {
	ID     string
	Reason string
	Ref    string
	Note   string
	Actor  aggregate.Actor
	Outlet string // the outlet of a van involved, stamped for the outlet's visibility
	Legs   []leg
	Serial *serialMove
	// Batch names the owner's action the operation belongs to ("REQ-…/receive/…"), so
	// recovery can find all of that action's operations and finish or undo them together.
	Batch      string
	BatchSize  int
	BatchIndex int
}

// inBatch stamps ops as the operations of one attempt at one action of owner ref:
// "REQ-…/receive/<ulid>". Two racing attempts at the same action are two batches.
func inBatch(ops []op, ref, action string) []op {
	batch := ref + "/" + action + "/" + ids.ULID()
	for i := range ops {
		ops[i].Batch, ops[i].BatchSize, ops[i].BatchIndex = batch, len(ops), i
	}
	return ops
}

func newOp(reason, ref string, actor aggregate.Actor) op {
	return op{ID: ids.New("MOV"), Reason: reason, Ref: ref, Actor: actor}
}

// ledger applies operations crash-safely: entries first (pending), then the guarded
// commit write, then the remaining legs, then the entries are marked applied.
type ledger struct {
	entries *mongox.Collection
	stock   *mongox.Collection
	serials *mongox.Collection
	clock   clock.Clock
	crash   func(point string) // tests only: panics at a named point to simulate a crash
}

func (l *ledger) at(point string) {
	if l.crash != nil {
		l.crash(point)
	}
}

// exec runs o and settles it at once: for operations no other document has to record.
func (l *ledger) exec(ctx context.Context, o op) error {
	if err := l.run(ctx, o); err != nil {
		return err
	}
	return l.confirm(ctx, o)
}

// run writes o's entries (pending), its commit and remaining legs. The entries stay
// pending until confirm; a refused commit deletes them, so nothing is left behind.
func (l *ledger) run(ctx context.Context, o op) error {
	if err := l.insertEntries(ctx, o); err != nil {
		return err
	}
	l.at("entries")
	if err := l.commit(ctx, o); err != nil {
		if !refused(err) {
			return err // it may have landed: recovery decides from the documents
		}
		if derr := l.discard(ctx, o.ID); derr != nil {
			return errors.Join(err, derr)
		}
		return err
	}
	l.at("commit")
	return l.rollForward(ctx, o)
}

func (l *ledger) insertEntries(ctx context.Context, o op) error {
	docs := make([]any, 0, len(o.Legs))
	for _, e := range l.entriesOf(o) {
		docs = append(docs, e)
	}
	_, err := l.entries.Mongo().InsertMany(ctx, docs)
	if err != nil {
		return fmt.Errorf("ledger entries of %s: %w", o.ID, err)
	}
	return nil
}

func (l *ledger) entriesOf(o op) []entryDoc {
	now := l.clock.Now()
	out := make([]entryDoc, len(o.Legs))
	for i, g := range o.Legs {
		e := entryDoc{ID: ids.ULID(), Op: o.ID, Leg: i, Legs: len(o.Legs), State: entryPending,
			Location: g.Location, PartNo: g.PartNo, DeltaOnHand: g.OnHand, DeltaReserved: g.Reserved,
			Reason: o.Reason, Ref: o.Ref, Note: o.Note, Actor: o.Actor.ID, Role: o.Actor.Role, Outlet: o.Outlet, At: now,
			Batch: o.Batch, BatchSize: o.BatchSize, BatchIndex: o.BatchIndex}
		if m := o.Serial; m != nil {
			to := m.To
			e.Serial, e.SerialFrom, e.SerialTo = m.Serial, m.From, &to
		}
		out[i] = e
	}
	return out
}

func (l *ledger) commit(ctx context.Context, o op) error {
	if o.Serial != nil {
		return l.moveSerial(ctx, o)
	}
	return l.applyLeg(ctx, o, o.Legs[0])
}

// rollForward applies the legs after the commit; each is guarded by the operation id,
// so applying it again (recovery after a crash) changes nothing.
func (l *ledger) rollForward(ctx context.Context, o op) error {
	if o.Serial != nil {
		return nil
	}
	for _, g := range o.Legs[1:] {
		if err := l.applyLeg(ctx, o, g); err != nil {
			return fmt.Errorf("roll forward %s: %w", o.ID, err)
		}
	}
	l.at("legs")
	return nil
}

// applyLeg is the conditional $inc: it lands only when the figure stays non-negative
// and this operation has not landed here already.
func (l *ledger) applyLeg(ctx context.Context, o op, g leg) error {
	id := stockID(g.Location, g.PartNo)
	cond := bson.D{{Key: "touched", Value: bson.D{{Key: "$ne", Value: o.ID}}}}
	if g.OnHand < 0 {
		cond = append(cond, bson.E{Key: "on_hand", Value: bson.D{{Key: "$gte", Value: -g.OnHand}}})
	}
	if g.Reserved < 0 {
		cond = append(cond, bson.E{Key: "reserved", Value: bson.D{{Key: "$gte", Value: -g.Reserved}}})
	}
	set := bson.D{{Key: "updated_at", Value: l.clock.Now()}}
	if o.Outlet != "" && kindOf(g.Location) == KindVan {
		set = append(set, bson.E{Key: "outlet_id", Value: o.Outlet})
	}
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "on_hand", Value: g.OnHand}, {Key: "reserved", Value: g.Reserved}}},
		{Key: "$push", Value: bson.D{{Key: "touched", Value: o.ID}}}, {Key: "$set", Value: set}}
	for attempt := 0; attempt < 5; attempt++ {
		ok, err := l.stock.UpdateByID(ctx, id, cond, update)
		if err != nil || ok {
			return err
		}
		var d stockDoc
		err = l.stock.FindByID(ctx, id, &d)
		switch {
		case errors.Is(err, mongox.ErrNotFound) && g.OnHand >= 0 && g.Reserved >= 0:
			if err := l.createStock(ctx, g.Location, g.PartNo); err != nil {
				return err
			}
		case errors.Is(err, mongox.ErrNotFound):
			return shortage(g, stockDoc{})
		case err != nil:
			return err
		case slices.Contains(d.Touched, o.ID):
			return nil
		case d.OnHand+g.OnHand >= 0 && d.Reserved+g.Reserved >= 0:
			// The figures allow the leg now: the document changed between the update
			// and this read (another operation created or moved it). Try again rather
			// than report a shortage that is not there.
		default:
			return shortage(g, d)
		}
	}
	return fmt.Errorf("stock %s: kept changing under operation %s", id, o.ID)
}

func shortage(g leg, d stockDoc) *ShortageError {
	e := &ShortageError{Location: g.Location, PartNo: g.PartNo, Figure: "on_hand", Need: -g.OnHand, Have: d.OnHand}
	if g.Reserved < 0 && d.Reserved < -g.Reserved {
		e.Figure, e.Need, e.Have = "reserved", -g.Reserved, d.Reserved
	}
	return e
}

func (l *ledger) createStock(ctx context.Context, location, partNo string) error {
	d := stockDoc{ID: stockID(location, partNo), Location: location, LocationKind: kindOf(location),
		PartNo: partNo, Touched: []string{}, UpdatedAt: l.clock.Now()}
	if err := l.stock.Insert(ctx, d); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return err
	}
	return nil
}

// moveSerial is a serial op's commit: the serial moves only from where and in which
// state the operation expects it, so the same serial can never go two ways.
func (l *ledger) moveSerial(ctx context.Context, o op) error {
	m := o.Serial
	id, now := serialID(m.PartNo, m.Serial), l.clock.Now()
	outlet := outletStamp(m.To.Location, o.Outlet)
	if m.From == nil {
		d := serialDoc{ID: id, PartNo: m.PartNo, Serial: m.Serial, Location: m.To.Location, State: m.To.State,
			OutletID: outlet, Ref: o.Ref, Movements: []string{o.ID}, CreatedAt: now, UpdatedAt: now}
		err := l.serials.Insert(ctx, d)
		if errors.Is(err, mongox.ErrDuplicate) {
			return l.explainSerial(ctx, o, id)
		}
		return err
	}
	cond := bson.D{{Key: "location", Value: m.From.Location}, {Key: "state", Value: m.From.State},
		{Key: "movements", Value: bson.D{{Key: "$ne", Value: o.ID}}}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "location", Value: m.To.Location}, {Key: "state", Value: m.To.State},
		{Key: "outlet_id", Value: outlet}, {Key: "ref", Value: o.Ref}, {Key: "updated_at", Value: now}}},
		{Key: "$push", Value: bson.D{{Key: "movements", Value: o.ID}}}}
	ok, err := l.serials.UpdateByID(ctx, id, cond, update)
	if err != nil || ok {
		return err
	}
	return l.explainSerial(ctx, o, id)
}

func (l *ledger) explainSerial(ctx context.Context, o op, id string) error {
	var d serialDoc
	err := l.serials.FindByID(ctx, id, &d)
	switch {
	case errors.Is(err, mongox.ErrNotFound):
		return &SerialError{PartNo: o.Serial.PartNo, Serial: o.Serial.Serial, Want: o.Serial.From}
	case err != nil:
		return err
	case slices.Contains(d.Movements, o.ID):
		return nil // landed before (recovery re-running the commit)
	default:
		return &SerialError{PartNo: d.PartNo, Serial: d.Serial, Want: o.Serial.From, Exists: true,
			At: serialPos{Location: d.Location, State: d.State}}
	}
}

// outletStamp is the outlet a serial at location belongs to, for the outlet's view.
func outletStamp(location, vanOutlet string) string {
	switch kindOf(location) {
	case KindVan:
		return vanOutlet
	case KindOutlet:
		return idOf(location)
	}
	return ""
}

// confirm marks o's entries applied and then forgets o on the stock documents: an
// operation id stays in touched exactly as long as its entries may be pending.
func (l *ledger) confirm(ctx context.Context, o op) error {
	l.at("confirm")
	_, err := l.entries.UpdateMany(ctx, bson.D{{Key: "op", Value: o.ID}, {Key: "state", Value: entryPending}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: entryApplied}}}})
	if err != nil {
		return fmt.Errorf("confirm %s: %w", o.ID, err)
	}
	l.at("confirmed")
	if o.Serial != nil {
		return nil // a serial keeps its movements as its history
	}
	for _, g := range o.Legs {
		_, err := l.stock.UpdateByID(ctx, stockID(g.Location, g.PartNo), bson.D{{Key: "touched", Value: o.ID}},
			bson.D{{Key: "$pull", Value: bson.D{{Key: "touched", Value: o.ID}}}})
		if err != nil {
			return err
		}
	}
	return nil
}
