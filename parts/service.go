package parts

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Locations tells whether a warehouse, outlet or technician (kind "van") exists; the
// server adapts the service network to it.
type Locations interface {
	Exists(ctx context.Context, kind, id string) (bool, error)
}

// Technicians tells which outlet a technician works for, so an outlet may send parts to
// its technicians' vans. Optional: without it an outlet acts only on its own store.
type Technicians interface {
	OutletOf(ctx context.Context, technicianID string) (string, error)
}

// OrderInfo is what parts needs to know of a service order.
type OrderInfo struct {
	ID                    string
	TechnicianID          string
	OutletID              string
	UnitSerial            string
	Category              string
	InWarranty            bool
	CustomerQuoteAccepted bool
}

// Orders looks up service orders; it returns an apperr not-found error for an unknown id.
type Orders interface {
	OrderForParts(ctx context.Context, orderID string) (OrderInfo, error)
}

// UnitHistoryFunc builds the event that adds an entry to a unit's service history (the
// server passes registry.UnitTouched).
type UnitHistoryFunc func(serial, kind, ref, summary string, at time.Time) aggregate.Event

// Config holds the rules' parameters; zero fields take the defaults.
type Config struct {
	Currency          string           // the currency every part is priced in, default CNY
	DefectiveWindow   time.Duration    // a defective part is due back this long after consumption, default 14 days
	RatioWindow       time.Duration    // requisitions are compared with consumption over this window, default 30 days
	RatioThreshold    int64            // flag when requested > threshold × consumed, default 3
	RatioMinRequested int64            // below this many requested units nothing is flagged, default 5
	ApprovalLimits    map[string]int64 // role → highest requisition value it may approve (minor units); negative = no limit
	RecoveryGrace     time.Duration    // pending ledger operations older than this are repaired, default 2 minutes
}

// DefaultApprovalLimits: a warehouse approves up to 500.00, supervisors and admins any value.
func DefaultApprovalLimits() map[string]int64 {
	return map[string]int64{auth.RoleWarehouse: 50_000, auth.RoleSupervisor: -1, auth.RoleAdmin: -1}
}

func (c Config) withDefaults() Config {
	if c.Currency == "" {
		c.Currency = "CNY"
	}
	if c.DefectiveWindow <= 0 {
		c.DefectiveWindow = 14 * 24 * time.Hour
	}
	if c.RatioWindow <= 0 {
		c.RatioWindow = 30 * 24 * time.Hour
	}
	if c.RatioThreshold <= 0 {
		c.RatioThreshold = 3
	}
	if c.RatioMinRequested <= 0 {
		c.RatioMinRequested = 5
	}
	if c.ApprovalLimits == nil {
		c.ApprovalLimits = DefaultApprovalLimits()
	}
	if c.RecoveryGrace <= 0 {
		c.RecoveryGrace = 2 * time.Minute
	}
	return c
}

// Deps is what the service needs; DB, Locations and Orders are required.
type Deps struct {
	DB          *mongox.DB
	Publisher   aggregate.Publisher // nil leaves events to the sweeper
	Clock       clock.Clock         // default clock.Real
	Log         *slog.Logger        // default: discard
	Locations   Locations
	Orders      Orders
	Technicians Technicians     // optional
	UnitHistory UnitHistoryFunc // optional: without it no unit history is written
	Config      Config
}

// Service runs the parts domain.
type Service struct {
	catalog      *aggregate.Store
	requisitions *aggregate.Store
	transfers    *aggregate.Store
	consumptions *aggregate.Store
	returns      *mongox.Collection
	flags        *mongox.Collection
	ledger       *ledger
	locations    Locations
	orders       Orders
	technicians  Technicians
	unitHistory  UnitHistoryFunc
	cfg          Config
	clock        clock.Clock
	log          *slog.Logger
}

// NewService checks d and returns the service.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil || d.Locations == nil || d.Orders == nil {
		return nil, errors.New("parts: Deps needs DB, Locations and Orders")
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{
		catalog:      aggregate.NewStore(d.DB, CatalogCollection, "part", d.Publisher, d.Clock),
		requisitions: aggregate.NewStore(d.DB, RequisitionsCollection, "requisition", d.Publisher, d.Clock),
		transfers:    aggregate.NewStore(d.DB, TransfersCollection, "transfer", d.Publisher, d.Clock),
		consumptions: aggregate.NewStore(d.DB, ConsumptionsCollection, "consumption", d.Publisher, d.Clock),
		returns:      d.DB.Collection(ReturnsCollection),
		flags:        d.DB.Collection(FlagsCollection),
		ledger: &ledger{entries: d.DB.Collection(LedgerCollection), stock: d.DB.Collection(StockCollection),
			serials: d.DB.Collection(SerialsCollection), clock: d.Clock},
		locations:   d.Locations,
		orders:      d.Orders,
		technicians: d.Technicians,
		unitHistory: d.UnitHistory,
		cfg:         d.Config.withDefaults(),
		clock:       d.Clock,
		log:         d.Log,
	}, nil
}

// Collections lists the aggregate collections whose outboxes the sweeper must watch.
func Collections() []string {
	return []string{CatalogCollection, RequisitionsCollection, TransfersCollection, ConsumptionsCollection}
}

// Config is the configuration in force, defaults filled in.
func (s *Service) Config() Config { return s.cfg }
