package orders

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/registry"
)

// ServiceOrdersCollection holds the service orders.
const ServiceOrdersCollection = "service_orders"

// Directory is the part of the registry orders read: the customer, the unit and its
// product. registry.Service implements it.
type Directory interface {
	Customer(ctx context.Context, id string) (registry.Customer, error)
	Unit(ctx context.Context, serial string) (registry.Unit, error)
	Product(ctx context.Context, sku string) (registry.Product, error)
}

// Complaints is told about the orders a complaint asked for. complaints.Service
// implements it; every method is idempotent.
type Complaints interface {
	LinkWork(ctx context.Context, complaintID, requestID, ref string) error
	WorkDone(ctx context.Context, complaintID, ref string) error
	WorkCancelled(ctx context.Context, complaintID, ref, reason string) error
}

// Dispatch is the network and its engine as the orders use them. dispatch.Service
// implements it.
type Dispatch interface {
	PlanOffer(ctx context.Context, req dispatch.OfferRequest) (dispatch.OfferPlan, error)
	OutletNotice(ctx context.Context, outletID string, n dispatch.OfferNotice) ([]aggregate.Event, error)
	Score(job dispatch.Job, candidateID string, now time.Time) (dispatch.Scored, string, bool)
	LookupOutlet(ctx context.Context, id string) (dispatch.Outlet, error)
	LookupTechnician(ctx context.Context, id string) (dispatch.Technician, error)
	LoadDay(candidateID string, at time.Time) dispatch.Day
	AddLoad(ctx context.Context, ref string, day dispatch.Day, delta int) error
}

// Config holds the offer and board rules; zero fields take the defaults.
type Config struct {
	AcceptWindow time.Duration // how long a candidate has to answer an offer; default 30 min
	MaxOffers    int           // offers per order before a dispatcher must step in; default 5
	AtRiskWithin time.Duration // the board's at-risk list: resolve-by within this; default 4 h
	BoardLimit   int           // items per board list; default 50
}

func (c Config) withDefaults() Config {
	if c.AcceptWindow <= 0 {
		c.AcceptWindow = dispatch.DefaultAcceptWindow
	}
	if c.MaxOffers <= 0 {
		c.MaxOffers = dispatch.DefaultMaxOffers
	}
	if c.AtRiskWithin <= 0 {
		c.AtRiskWithin = 4 * time.Hour
	}
	if c.BoardLimit <= 0 {
		c.BoardLimit = 50
	}
	return c
}

// Deps is what the service needs; DB, Directory, Complaints and Dispatch are required.
type Deps struct {
	DB         *mongox.DB
	Publisher  aggregate.Publisher // hands events to the queue; nil leaves them to the sweeper
	Clock      clock.Clock         // default clock.Real
	Log        *slog.Logger        // default: discard
	Directory  Directory
	Complaints Complaints
	Dispatch   Dispatch
	Config     Config
}

// Service runs the service-order desk.
type Service struct {
	store      *aggregate.Store
	dir        Directory
	complaints Complaints
	dispatch   Dispatch
	clock      clock.Clock
	log        *slog.Logger
	cfg        Config
}

// NewService checks d, fills in defaults and returns the service.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil || d.Directory == nil || d.Complaints == nil || d.Dispatch == nil {
		return nil, errors.New("orders: Deps needs DB, Directory, Complaints and Dispatch")
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{
		store: aggregate.NewStore(d.DB, ServiceOrdersCollection, "service order", d.Publisher, d.Clock),
		dir:   d.Directory, complaints: d.Complaints, dispatch: d.Dispatch,
		clock: d.Clock, log: d.Log, cfg: d.Config.withDefaults(),
	}, nil
}

// Collections lists the aggregate collections whose outboxes the sweeper must watch.
func Collections() []string { return []string{ServiceOrdersCollection} }

// Config is the configuration in force, defaults applied.
func (s *Service) Config() Config { return s.cfg }

// load reads order id for an action.
func (s *Service) load(ctx context.Context, id string) (*ServiceOrder, error) {
	var o ServiceOrder
	if err := s.store.Load(ctx, id, &o); err != nil {
		return nil, err
	}
	return &o, nil
}
