package rma

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/registry"
)

// Collection names.
const (
	RMAsCollection    = "rmas"    // aggregate
	RefundsCollection = "refunds" // aggregate: refund records for finance
)

// Directory is the part of the registry the RMA desk reads. registry.Service implements it.
type Directory interface {
	Customer(ctx context.Context, id string) (registry.Customer, error)
	SalesOrder(ctx context.Context, id string) (registry.SalesOrder, error)
	Product(ctx context.Context, sku string) (registry.Product, error)
	Unit(ctx context.Context, serial string) (registry.Unit, error)
}

// Cases is the part of the complaints desk told about RMAs it asked for.
// complaints.Service implements it.
type Cases interface {
	LinkWork(ctx context.Context, complaintID, requestID, ref string) error
	WorkDone(ctx context.Context, complaintID, ref string) error
	WorkCancelled(ctx context.Context, complaintID, ref, reason string) error
}

// Router picks the warehouse a return goes to and books its receiving capacity.
// dispatch.Service implements it.
type Router interface {
	RouteReturn(category string, lat, lon float64, now time.Time) (dispatch.Warehouse, error)
	AddLoad(ctx context.Context, ref string, day dispatch.Day, delta int) error
}

// Deps is what the service needs; DB, Directory, Cases and Router are required.
type Deps struct {
	DB        *mongox.DB
	Publisher aggregate.Publisher // hands events to the queue; nil leaves them to the sweeper
	Clock     clock.Clock         // default clock.Real
	Log       *slog.Logger        // default: discard
	Directory Directory
	Cases     Cases
	Router    Router
	Policy    Policy // zero fields take DefaultPolicy's
}

// Service runs the RMA desk.
type Service struct {
	store   *aggregate.Store
	refunds *aggregate.Store
	claims  claims
	dir     Directory
	cases   Cases
	router  Router
	clock   clock.Clock
	policy  Policy
	log     *slog.Logger
}

// NewService checks d, fills in defaults and returns the service.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil || d.Directory == nil || d.Cases == nil || d.Router == nil {
		return nil, errors.New("rma: Deps needs DB, Directory, Cases and Router")
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	policy := d.Policy.withDefaults()
	if err := policy.Check(); err != nil {
		return nil, err
	}
	return &Service{
		store:   aggregate.NewStore(d.DB, RMAsCollection, "RMA", d.Publisher, d.Clock),
		refunds: aggregate.NewStore(d.DB, RefundsCollection, "refund", d.Publisher, d.Clock),
		claims:  claims{coll: d.DB.Collection(ClaimsCollection)},
		dir:     d.Directory, cases: d.Cases, router: d.Router, clock: d.Clock, policy: policy, log: d.Log,
	}, nil
}

// Collections lists the aggregate collections whose outboxes the sweeper must watch.
func Collections() []string { return []string{RMAsCollection, RefundsCollection} }

// Policy is the return policy in force.
func (s *Service) Policy() Policy { return s.policy }

// EnsureIndexes creates the desk's indexes; it runs at every start.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	requestUnique := mongo.IndexModel{Keys: bson.D{{Key: "request_id", Value: 1}},
		Options: options.Index().SetName("request_id_unique").SetUnique(true)}
	for coll, models := range map[*mongox.Collection][]mongo.IndexModel{
		s.store.Collection(): append(aggregate.Indexes(), requestUnique, mongox.Index("status", "_id"),
			mongox.Index("warehouse_id", "status", "_id"), mongox.Index("customer_id", "_id"), mongox.Index("complaint_id"),
			mongox.Index("sales_order_ids"), mongox.Index("serials")),
		s.refunds.Collection(): append(aggregate.Indexes(), mongox.Index("status", "_id"), mongox.Index("rma_id")),
	} {
		if err := coll.EnsureIndexes(ctx, models...); err != nil {
			return err
		}
	}
	return nil
}

// load reads RMA id.
func (s *Service) load(ctx context.Context, id string) (*RMA, error) {
	var r RMA
	if err := s.store.Load(ctx, id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
