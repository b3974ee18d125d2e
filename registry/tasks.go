package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/queue"
)

// Task types of the registry's events.
const (
	// TypeUnitTouched adds an entry to a unit's service history; other domains emit it
	// with UnitTouched.
	TypeUnitTouched = "registry:unit_touched"
	// TypeSaleDelivered registers the units of a delivered sales-order line.
	TypeSaleDelivered = "registry:sale_delivered"
)

const maxSummary = 500

// UnitTouchedData is the data of TypeUnitTouched.
type UnitTouchedData struct {
	Serial  string    `json:"serial"`
	Kind    string    `json:"kind"`
	Ref     string    `json:"ref"`
	Summary string    `json:"summary"`
	At      time.Time `json:"at"`
}

// UnitTouched is the event another domain puts in its aggregate's outbox when its
// object touches a unit: a complaint about it, an RMA or service order for it, a part
// swapped in it. kind is one of the Kind constants (or another lower-case word), ref
// the object's id, at when it happened. Its handler records the entry once, however
// often the event is delivered; a serial not registered yet keeps its history until
// the unit is. An event with a malformed serial or kind goes dead (outbox_dead).
func UnitTouched(serial, kind, ref, summary string, at time.Time) aggregate.Event {
	return aggregate.NewEvent(TypeUnitTouched, queue.Default, UnitTouchedData{Serial: NormalizeSerial(serial),
		Kind: kind, Ref: ref, Summary: summary, At: at.UTC().Truncate(time.Millisecond)})
}

// SaleDelivered is the data of TypeSaleDelivered.
type SaleDelivered struct {
	SalesOrderID string `json:"sales_order_id"`
	LineNo       int    `json:"line_no"`
}

// Register adds the package's task handlers to mux.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeUnitTouched, s.HandleUnitTouched)
	mux.HandleFunc(TypeSaleDelivered, s.HandleSaleDelivered)
}

// HandleUnitTouched records a UnitTouched event in the unit's history, keyed by the
// event id so a redelivery records nothing new.
func (s *Service) HandleUnitTouched(ctx context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	var data UnitTouchedData
	if err := env.Decode(&data); err != nil {
		return err
	}
	h, err := touchEntry(env, data)
	if err != nil {
		return fmt.Errorf("event %s: %w: %w", env.EventID, err, asynq.SkipRetry)
	}
	return s.record(ctx, h)
}

// touchEntry checks the event's data and turns it into a history entry.
func touchEntry(env aggregate.Envelope, data UnitTouchedData) (historyDoc, error) {
	h := historyDoc{ID: env.EventID, Serial: NormalizeSerial(data.Serial), At: data.At, Kind: strings.TrimSpace(data.Kind),
		Ref: strings.TrimSpace(data.Ref), Summary: strings.TrimSpace(data.Summary)}
	f := apperr.Fields{}
	if !serialPattern.MatchString(h.Serial) {
		f.Add("serial", "is not a serial number")
	}
	if !codePattern.MatchString(h.Kind) {
		f.Add("kind", "must be a lower-case word such as complaint")
	}
	f.MaxLen("ref", h.Ref, 64)
	if h.At.IsZero() {
		h.At = env.CreatedAt
	}
	if utf8.RuneCountInString(h.Summary) > maxSummary {
		h.Summary = string([]rune(h.Summary)[:maxSummary-1]) + "…"
	}
	return h, f.Err()
}

// HandleSaleDelivered registers the units of a delivered line. The request that
// delivered the line has usually done so already; this repairs a crash in between.
// A serial that another sale holds cannot succeed on retry: the event goes dead, and
// its error names the serial for an operator.
func (s *Service) HandleSaleDelivered(ctx context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	var data SaleDelivered
	if err := env.Decode(&data); err != nil {
		return err
	}
	var o salesOrderDoc
	if err := s.orders.Load(ctx, data.SalesOrderID, &o); err != nil {
		if errors.Is(err, apperr.ErrNotFound) {
			return fmt.Errorf("sales order %s: %w", data.SalesOrderID, asynq.SkipRetry)
		}
		return err
	}
	idx := o.lineIndex(data.LineNo)
	if idx < 0 || o.Lines[idx].DeliveredAt == nil || len(o.Lines[idx].Serials) == 0 {
		return nil // nothing to register
	}
	p, err := s.loadProduct(ctx, o.Lines[idx].SKU)
	if err != nil {
		return err
	}
	err = s.ensureUnits(ctx, o, o.Lines[idx], p)
	if errors.Is(err, errSerialTaken) {
		s.log.ErrorContext(ctx, "sale delivered a serial another sale holds", "sales_order_id", o.ID, "line_no", data.LineNo, "err", err)
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}
