package fees

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Collection names.
const (
	SchedulesCollection  = "fee_schedules"
	QuotesCollection     = "fee_quotes"
	PricedJobsCollection = "priced_jobs"
	StatementsCollection = "settlement_statements"
)

// DefaultQuoteValidity is how long a customer may accept a quote.
const DefaultQuoteValidity = 7 * 24 * time.Hour

// Outlets says whether an outlet exists; the server adapts the dispatch package's
// network to it. Without one, schedules are accepted for any outlet id.
type Outlets interface {
	OutletExists(ctx context.Context, outletID string) (bool, error)
}

// Deps is what the service needs; DB is required.
type Deps struct {
	DB            *mongox.DB
	Publisher     aggregate.Publisher // hands events to the queue; nil leaves them to the sweeper
	Clock         clock.Clock         // default clock.Real
	Log           *slog.Logger        // default: discard
	QuoteValidity time.Duration       // default DefaultQuoteValidity
	Outlets       Outlets             // optional: checks a schedule's outlet_id
}

// Service owns fee schedules, quotes, priced jobs and settlement statements.
type Service struct {
	schedules  *aggregate.Store
	quotes     *aggregate.Store
	jobs       *aggregate.Store
	statements *aggregate.Store
	cache      *scheduleCache
	clock      clock.Clock
	log        *slog.Logger
	validity   time.Duration
	outlets    Outlets
}

// NewService checks d, fills in defaults and returns the service.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil {
		return nil, errors.New("fees: Deps needs DB")
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.QuoteValidity <= 0 {
		d.QuoteValidity = DefaultQuoteValidity
	}
	return &Service{
		schedules:  aggregate.NewStore(d.DB, SchedulesCollection, "fee schedule", d.Publisher, d.Clock),
		quotes:     aggregate.NewStore(d.DB, QuotesCollection, "quote", d.Publisher, d.Clock),
		jobs:       aggregate.NewStore(d.DB, PricedJobsCollection, "priced job", d.Publisher, d.Clock),
		statements: aggregate.NewStore(d.DB, StatementsCollection, "statement", d.Publisher, d.Clock),
		cache:      newScheduleCache(),
		clock:      d.Clock,
		log:        d.Log,
		validity:   d.QuoteValidity,
		outlets:    d.Outlets,
	}, nil
}

// Collections lists the aggregate collections whose outboxes the sweeper must watch.
func Collections() []string {
	return []string{SchedulesCollection, QuotesCollection, PricedJobsCollection, StatementsCollection}
}

func unique(name string, keys ...string) mongo.IndexModel {
	m := mongox.Index(keys...)
	m.Options = options.Index().SetName(name).SetUnique(true)
	return m
}

// EnsureIndexes creates the indexes (one per command, see mongox) and then loads the
// schedule cache, so a started service answers LabourFee at once.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	sets := []struct {
		store  *aggregate.Store
		models []mongo.IndexModel
	}{
		{s.schedules, []mongo.IndexModel{unique("outlet_unique", "outlet_id")}},
		{s.quotes, []mongo.IndexModel{mongox.Index("order_id"), unique("accepted_key_unique", "accepted_key")}},
		{s.jobs, []mongo.IndexModel{mongox.Index("outlet_id", "settle_period", "statement_id"),
			mongox.Index("statement_id", "brand_total", "settle_period"), mongox.Index("completed_at")}},
		{s.statements, []mongo.IndexModel{unique("outlet_period_unique", "key"),
			mongox.Index("status", "_id"), mongox.Index("period", "_id"), mongox.Index("outlet_id", "_id")}},
	}
	for _, set := range sets {
		if err := set.store.Collection().EnsureIndexes(ctx, append(aggregate.Indexes(), set.models...)...); err != nil {
			return err
		}
	}
	return s.LoadSchedules(ctx)
}
