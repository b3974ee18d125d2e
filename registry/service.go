package registry

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Collection names.
const (
	CustomersCollection   = "customers"    // aggregate
	SalesOrdersCollection = "sales_orders" // aggregate
	ProductsCollection    = "products"
	UnitsCollection       = "units"
	HistoryCollection     = "unit_history"
)

// Deps is what the service needs; DB is required.
type Deps struct {
	DB        *mongox.DB
	Publisher aggregate.Publisher // hands events to the queue; nil leaves them to the sweeper
	Clock     clock.Clock         // default clock.Real
	Log       *slog.Logger        // default: discard
}

// Service owns customers, products, sales orders, units and their history.
type Service struct {
	customers *aggregate.Store
	orders    *aggregate.Store
	products  *mongox.Collection
	units     *mongox.Collection
	history   *mongox.Collection
	clock     clock.Clock
	log       *slog.Logger
}

// NewService returns the service over d.DB.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil {
		return nil, errors.New("registry: Deps needs DB")
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{
		customers: aggregate.NewStore(d.DB, CustomersCollection, "customer", d.Publisher, d.Clock),
		orders:    aggregate.NewStore(d.DB, SalesOrdersCollection, "sales order", d.Publisher, d.Clock),
		products:  d.DB.Collection(ProductsCollection),
		units:     d.DB.Collection(UnitsCollection),
		history:   d.DB.Collection(HistoryCollection),
		clock:     d.Clock,
		log:       d.Log,
	}, nil
}

// Collections lists the aggregate collections whose outboxes the sweeper must watch.
func Collections() []string { return []string{CustomersCollection, SalesOrdersCollection} }

func unique(name, key string) mongo.IndexModel {
	return mongo.IndexModel{Keys: bson.D{{Key: key, Value: 1}}, Options: options.Index().SetName(name).SetUnique(true)}
}

// EnsureIndexes creates the registry's indexes; it runs at every start.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	for coll, models := range map[*mongox.Collection][]mongo.IndexModel{
		s.customers.Collection(): append(aggregate.Indexes(), unique("phone_unique", "phone"), mongox.Index("name_key", "_id")),
		s.orders.Collection(): append(aggregate.Indexes(), unique("shop_key_unique", "shop_key"),
			mongox.Index("customer_id", "_id"), mongox.Index("serials")),
		s.products: {mongox.Index("category", "_id")},
		s.units:    {mongox.Index("customer_id"), mongox.Index("sales_order_id")},
		s.history:  {mongox.Index("serial", "at")},
	} {
		if err := coll.EnsureIndexes(ctx, models...); err != nil {
			return err
		}
	}
	return nil
}

// Customer returns the customer with id, or apperr not_found.
func (s *Service) Customer(ctx context.Context, id string) (Customer, error) {
	var d customerDoc
	if err := s.customers.Load(ctx, id, &d); err != nil {
		return Customer{}, err
	}
	return d.toCustomer(), nil
}

// Unit returns the unit with serial (in any case), or apperr not_found.
func (s *Service) Unit(ctx context.Context, serial string) (Unit, error) {
	d, err := s.loadUnit(ctx, serial)
	return d.toUnit(), err
}

// SalesOrder returns the sales order with id, or apperr not_found.
func (s *Service) SalesOrder(ctx context.Context, id string) (SalesOrder, error) {
	var d salesOrderDoc
	if err := s.orders.Load(ctx, id, &d); err != nil {
		return SalesOrder{}, err
	}
	return d.toSalesOrder(), nil
}

// Product returns the product with sku (in any case), or apperr not_found.
func (s *Service) Product(ctx context.Context, sku string) (Product, error) {
	d, err := s.loadProduct(ctx, sku)
	return d.toProduct(), err
}

// findNotFound maps mongox's not-found to the client-facing one for what.
func findNotFound(err error, what string) error {
	if errors.Is(err, mongox.ErrNotFound) {
		return apperr.NotFound(what)
	}
	return err
}
