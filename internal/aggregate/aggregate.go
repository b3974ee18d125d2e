// Package aggregate is the storage pattern every domain object uses: one document per
// aggregate with a version, a history and an outbox, changed by ONE conditional update
// that moves the state, bumps the version, appends history and queues events together.
// It also owns delivering those events: the relay enqueues them as Asynq tasks (TaskID =
// event id), the worker acknowledges them after their handler succeeds, and the sweeper
// re-drives any that a lost queue stranded.
package aggregate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Base is embedded (inline) in every aggregate document.
type Base struct {
	Version   int64     `bson:"version"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
	History   []Entry   `bson:"history"`
	Outbox    []Event   `bson:"outbox,omitempty"`
	OutboxSeq int64     `bson:"outbox_seq"`
	// OutboxDue is the earliest due time of a pending event; the sweeper finds stranded
	// events with an index range query on it. Absent when the outbox is empty.
	OutboxDue *time.Time `bson:"outbox_due,omitempty"`
	Dead      []Event    `bson:"outbox_dead,omitempty"`
}

// Entry is one line of an aggregate's history.
type Entry struct {
	At     time.Time `bson:"at" json:"at"`
	Actor  string    `bson:"actor" json:"actor"`
	Role   string    `bson:"role" json:"role"`
	Action string    `bson:"action" json:"action"`
	From   string    `bson:"from,omitempty" json:"from,omitempty"`
	To     string    `bson:"to,omitempty" json:"to,omitempty"`
	Note   string    `bson:"note,omitempty" json:"note,omitempty"`
}

// Actor is who makes a change.
type Actor struct {
	ID   string
	Role string
}

// System is the actor for changes made by workers and rules.
var System = Actor{ID: "system", Role: "system"}

// Event is a message queued in an aggregate's outbox in the same write as the change
// that caused it. Type is the Asynq task type that handles it.
type Event struct {
	ID          string    `bson:"id"`
	Type        string    `bson:"type"`
	Queue       string    `bson:"queue"`
	Aggregate   string    `bson:"aggregate"` // collection
	AggregateID string    `bson:"aggregate_id"`
	Data        []byte    `bson:"data"` // JSON
	CreatedAt   time.Time `bson:"created_at"`
	DueAt       time.Time `bson:"due_at"` // later than CreatedAt for timers (SLA, deadlines)
	MaxRetry    int       `bson:"max_retry"`
}

// NewEvent builds an event of type typ for queue, with data marshalled as JSON. Use At
// to schedule it. The aggregate fields are filled in by Create and Apply.
func NewEvent(typ, queue string, data any) Event {
	b, err := json.Marshal(data)
	if err != nil {
		// Event payloads are our own structs; failing to marshal one is a programming error.
		panic(fmt.Sprintf("aggregate: marshal %s payload: %v", typ, err))
	}
	return Event{ID: ids.New("EVT"), Type: typ, Queue: queue, Data: b, MaxRetry: 5}
}

// At schedules the event for t.
func (e Event) At(t time.Time) Event {
	e.DueAt = t.UTC().Truncate(time.Millisecond)
	return e
}

// Publisher hands events to the queue right after they are written (the fast path).
type Publisher interface {
	Publish(ctx context.Context, events []Event)
}

// Store writes aggregates of one collection.
type Store struct {
	coll  *mongox.Collection
	pub   Publisher
	clock clock.Clock
	what  string // "RMA", "user": used in error messages
}

// NewStore returns a store for collection coll; what names the aggregate in errors.
func NewStore(db *mongox.DB, coll, what string, pub Publisher, c clock.Clock) *Store {
	return &Store{coll: db.Collection(coll), pub: pub, clock: c, what: what}
}

// Collection is the store's collection, for reads and indexes.
func (s *Store) Collection() *mongox.Collection { return s.coll }

// Indexes are the indexes every aggregate collection needs.
func Indexes() []mongo.IndexModel {
	return []mongo.IndexModel{{Keys: bson.D{{Key: "outbox_due", Value: 1}}}}
}

// Create inserts a new aggregate document at version 1 with its first history entry and
// events. doc must marshal to a document whose _id is id; Base fields are set here.
func (s *Store) Create(ctx context.Context, id string, doc any, entry Entry, events ...Event) error {
	now := s.clock.Now()
	events = s.stamp(id, now, events)
	raw, err := bson.Marshal(doc)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", s.what, err)
	}
	var d bson.D
	if err := bson.Unmarshal(raw, &d); err != nil {
		return err
	}
	entry = stampEntry(entry, now)
	d = setFields(d, bson.E{Key: "version", Value: int64(1)}, bson.E{Key: "created_at", Value: now},
		bson.E{Key: "updated_at", Value: now}, bson.E{Key: "history", Value: []Entry{entry}},
		bson.E{Key: "outbox", Value: events}, bson.E{Key: "outbox_seq", Value: int64(len(events))})
	if len(events) > 0 {
		d = setFields(d, bson.E{Key: "outbox_due", Value: earliest(events)})
	}
	if err := s.coll.Insert(ctx, d); err != nil {
		if errors.Is(err, mongox.ErrDuplicate) {
			return apperr.Conflict("%s already exists", s.what)
		}
		return err
	}
	s.publish(ctx, events)
	return nil
}

// Change is one state change of one aggregate.
type Change struct {
	ID      string
	Version int64  // the version the caller read; the write only lands on that version
	Where   bson.D // further preconditions, e.g. {status: "approved"}
	Set     bson.D
	Unset   []string
	Inc     bson.D
	Push    bson.D // other arrays to append one element to
	Entry   Entry
	Events  []Event
}

// Apply writes c as one conditional update. It returns a version conflict when the
// aggregate moved on since it was read, and not-found when it does not exist.
func (s *Store) Apply(ctx context.Context, c Change) error {
	now := s.clock.Now()
	events := s.stamp(c.ID, now, c.Events)
	cond := append(bson.D{{Key: "version", Value: c.Version}}, c.Where...)
	ok, err := s.coll.UpdateByID(ctx, c.ID, cond, s.update(c, now, events))
	if err != nil {
		return fmt.Errorf("update %s %s: %w", s.what, c.ID, err)
	}
	if !ok {
		return s.missOrConflict(ctx, c.ID)
	}
	s.publish(ctx, events)
	return nil
}

func (s *Store) update(c Change, now time.Time, events []Event) bson.D {
	set := append(bson.D{{Key: "updated_at", Value: now}}, c.Set...)
	inc := append(bson.D{{Key: "version", Value: int64(1)}}, c.Inc...)
	push := append(bson.D{{Key: "history", Value: stampEntry(c.Entry, now)}}, c.Push...)
	u := bson.D{{Key: "$set", Value: set}}
	if len(events) > 0 {
		push = append(push, bson.E{Key: "outbox", Value: bson.D{{Key: "$each", Value: events}}})
		inc = append(inc, bson.E{Key: "outbox_seq", Value: int64(1)})
		u = append(u, bson.E{Key: "$min", Value: bson.D{{Key: "outbox_due", Value: earliest(events)}}})
	}
	u = append(u, bson.E{Key: "$inc", Value: inc}, bson.E{Key: "$push", Value: push})
	if len(c.Unset) > 0 {
		unset := bson.D{}
		for _, f := range c.Unset {
			unset = append(unset, bson.E{Key: f, Value: ""})
		}
		u = append(u, bson.E{Key: "$unset", Value: unset})
	}
	return u
}

func (s *Store) missOrConflict(ctx context.Context, id string) error {
	n, err := s.coll.Count(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFound(s.what)
	}
	return apperr.VersionConflict(s.what)
}

func (s *Store) stamp(id string, now time.Time, events []Event) []Event {
	out := make([]Event, len(events))
	for i, e := range events {
		e.Aggregate, e.AggregateID, e.CreatedAt = s.coll.Name(), id, now
		if e.DueAt.IsZero() {
			e.DueAt = now
		}
		out[i] = e
	}
	return out
}

func (s *Store) publish(ctx context.Context, events []Event) {
	if len(events) > 0 && s.pub != nil {
		s.pub.Publish(context.WithoutCancel(ctx), events)
	}
}

func stampEntry(e Entry, now time.Time) Entry {
	e.At = now
	return e
}

func earliest(events []Event) time.Time {
	t := events[0].DueAt
	for _, e := range events[1:] {
		if e.DueAt.Before(t) {
			t = e.DueAt
		}
	}
	return t
}

// setFields sets (replacing or appending) top-level fields of d.
func setFields(d bson.D, fields ...bson.E) bson.D {
	for _, f := range fields {
		replaced := false
		for i := range d {
			if d[i].Key == f.Key {
				d[i].Value, replaced = f.Value, true
			}
		}
		if !replaced {
			d = append(d, f)
		}
	}
	return d
}

// Load reads the aggregate with _id id into out, or returns not-found.
func (s *Store) Load(ctx context.Context, id string, out any) error {
	err := s.coll.FindByID(ctx, id, out)
	if errors.Is(err, mongox.ErrNotFound) {
		return apperr.NotFound(s.what)
	}
	return err
}

// pendingDoc is what the relay and sweeper read of an aggregate.
type pendingDoc struct {
	ID        string  `bson:"_id"`
	Outbox    []Event `bson:"outbox"`
	OutboxSeq int64   `bson:"outbox_seq"`
}

var pendingProjection = options.FindOne().SetProjection(bson.D{{Key: "outbox", Value: 1}, {Key: "outbox_seq", Value: 1}})
