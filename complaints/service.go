package complaints

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/registry"
)

// Collection names.
const (
	ComplaintsCollection = "complaints"
	AlertsCollection     = "complaint_alerts"
)

// Directory is the part of the registry the complaints desk reads: who the customer is,
// which unit and which sales order the complaint is about. registry.Service implements it.
type Directory interface {
	Customer(ctx context.Context, id string) (registry.Customer, error)
	Unit(ctx context.Context, serial string) (registry.Unit, error)
	SalesOrder(ctx context.Context, id string) (registry.SalesOrder, error)
}

// Users finds staff accounts, to check who a complaint is assigned to. auth.Service
// implements it.
type Users interface {
	GetUser(ctx context.Context, id string) (auth.User, error)
}

// Deps is what the service needs; DB, Directory and Users are required.
type Deps struct {
	DB        *mongox.DB
	Publisher aggregate.Publisher // hands events to the queue; nil leaves them to the sweeper
	Clock     clock.Clock         // default clock.Real
	Log       *slog.Logger        // default: discard
	Directory Directory
	Users     Users
	Policy    Policy // zero fields take DefaultPolicy's
}

// Service runs the complaints desk.
type Service struct {
	store  *aggregate.Store
	alerts *mongox.Collection
	dir    Directory
	users  Users
	clock  clock.Clock
	policy Policy
	log    *slog.Logger
}

// NewService checks d, fills in defaults and returns the service.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil || d.Directory == nil || d.Users == nil {
		return nil, errors.New("complaints: Deps needs DB, Directory and Users")
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
		store:  aggregate.NewStore(d.DB, ComplaintsCollection, "complaint", d.Publisher, d.Clock),
		alerts: d.DB.Collection(AlertsCollection),
		dir:    d.Directory, users: d.Users, clock: d.Clock, policy: policy, log: d.Log,
	}, nil
}

// Collections lists the aggregate collections whose outboxes the sweeper must watch.
func Collections() []string { return []string{ComplaintsCollection} }

// Policy is the SLA policy in force.
func (s *Service) Policy() Policy { return s.policy }

// Get returns the complaint with id as the caller may see it.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (*Complaint, error) {
	if !canRead(p) {
		return nil, apperrForbiddenRead
	}
	var c Complaint
	if err := s.store.Load(ctx, id, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// load reads complaint id for an action.
func (s *Service) load(ctx context.Context, id string) (*Complaint, error) {
	var c Complaint
	if err := s.store.Load(ctx, id, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
