package mobileapi

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
)

// Collections the package owns. None is an aggregate: events, attendance, devices and
// photos are facts appended or counted, never moved through a state machine.
const (
	VisitEventsCollection = "visit_events"
	AttendanceCollection  = "attendance"
	DevicesCollection     = "tech_devices"
	PhotosCollection      = "photos"
	PhotoChunksCollection = "photo_chunks"
	ConsumedCollection    = "mobile_consumptions"
)

// Orders is what the mobile API uses of the service-order desk. orders.Service
// implements it; every call carries the technician's principal, so orders checks again.
type Orders interface {
	Order(ctx context.Context, id string) (*orders.ServiceOrder, error)
	List(ctx context.Context, p auth.Principal, f orders.ListFilter, page httpx.Page) ([]orders.ServiceOrder, error)
	OpenOffers(ctx context.Context, p auth.Principal, page httpx.Page) ([]orders.ServiceOrder, error)
	AcceptOffer(ctx context.Context, p auth.Principal, offerID string, in orders.AcceptInput) (*orders.ServiceOrder, error)
	DeclineOffer(ctx context.Context, p auth.Principal, offerID string, in orders.DeclineInput) (*orders.ServiceOrder, error)
	SetAppointment(ctx context.Context, p auth.Principal, id string, in orders.AppointmentInput) (*orders.ServiceOrder, error)
	RecordVisit(ctx context.Context, p auth.Principal, id string, in orders.VisitInput) (*orders.ServiceOrder, error)
	Complete(ctx context.Context, p auth.Principal, id string, in orders.CompleteInput) (*orders.ServiceOrder, error)
}

// Parts records the parts fitted at completion. parts.Service implements it.
type Parts interface {
	Consume(ctx context.Context, p auth.Principal, in parts.ConsumeInput) (parts.Consumption, error)
}

// Sessions signs technicians in. auth.Service implements it.
type Sessions interface {
	Login(ctx context.Context, in auth.LoginInput) (auth.Session, error)
	Refresh(ctx context.Context, token, aud string) (auth.Session, error)
	Logout(ctx context.Context, token string) error
	GetUser(ctx context.Context, id string) (auth.User, error)
}

// Deps is what the service needs; DB, Orders, Parts, Sessions and Idempotency are required.
type Deps struct {
	DB          *mongox.DB
	Publisher   aggregate.Publisher // unused today: the package writes no aggregate
	Clock       clock.Clock         // default clock.Real
	Log         *slog.Logger        // default: discard
	Orders      Orders
	Parts       Parts
	Sessions    Sessions
	Idempotency *httpx.IdempotencyStore // the same store the router's Idempotency-Key uses
	Config      Config
}

// Service serves the technicians' phones.
type Service struct {
	events, attendance, devices *mongox.Collection
	photos, chunks, consumed    *mongox.Collection
	appointments                *mongox.Collection
	orders                      Orders
	parts                       Parts
	sessions                    Sessions
	idem                        *httpx.IdempotencyStore
	clock                       clock.Clock
	log                         *slog.Logger
	cfg                         Config
}

// NewService checks d, fills in defaults and returns the service.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil || d.Orders == nil || d.Parts == nil || d.Sessions == nil || d.Idempotency == nil {
		return nil, errors.New("mobileapi: Deps needs DB, Orders, Parts, Sessions and Idempotency")
	}
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Service{
		events:       d.DB.Collection(VisitEventsCollection),
		attendance:   d.DB.Collection(AttendanceCollection),
		devices:      d.DB.Collection(DevicesCollection),
		photos:       d.DB.Collection(PhotosCollection),
		chunks:       d.DB.Collection(PhotoChunksCollection),
		consumed:     d.DB.Collection(ConsumedCollection),
		appointments: d.DB.Collection(AppointmentChangesCollection),
		orders:       d.Orders, parts: d.Parts, sessions: d.Sessions, idem: d.Idempotency,
		clock: d.Clock, log: d.Log, cfg: d.Config.withDefaults(),
	}, nil
}

// Collections lists aggregate collections for the outbox sweeper: none.
func Collections() []string { return nil }

// Config is the configuration in force, defaults applied.
func (s *Service) Config() Config { return s.cfg }

// EnsureIndexes creates the indexes the rules query by.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	idx := func(keys ...string) mongo.IndexModel {
		d := bson.D{}
		for _, k := range keys {
			d = append(d, bson.E{Key: k, Value: 1})
		}
		return mongo.IndexModel{Keys: d}
	}
	for coll, models := range map[*mongox.Collection][]mongo.IndexModel{
		s.events:  {idx("technician_id", "at"), idx("coord_key"), idx("order_id", "technician_id")},
		s.devices: {idx("technician_id")},
		s.photos:  {idx("sha256"), idx("order_id")},
		s.chunks:  {idx("photo_id", "n")},
	} {
		if err := coll.EnsureIndexes(ctx, models...); err != nil {
			return err
		}
	}
	return nil
}

// Register adds the package's task handlers to mux: none today (the mobile API reacts to
// no event); kept so the server wires every domain alike.
func (s *Service) Register(mux *asynq.ServeMux) {}
