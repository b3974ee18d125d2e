package orders

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// action is one step an order can take; it is also the history entry's action.
type action string

// Actions.
const (
	actCreate           action = "created"
	actStartDispatch    action = "dispatch_started"
	actOffer            action = "offered"
	actEscalate         action = "escalated"
	actAccept           action = "offer_accepted"
	actDecline          action = "offer_declined"
	actExpire           action = "offer_expired"
	actAssign           action = "assigned" // a dispatcher's manual assignment
	actRedispatch       action = "redispatched"
	actAssignTechnician action = "technician_assigned"
	actSchedule         action = "scheduled"
	actEnRoute          action = "en_route"
	actOnSite           action = "on_site"
	actComplete         action = "completed"
	actRevisit          action = "revisit_needed"
	actVerify           action = "verified"
	actClose            action = "closed"
	actCancel           action = "cancelled"
)

var (
	system      = []string{aggregate.System.Role}
	creators    = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleAdmin}
	dispatchers = []string{auth.RoleDispatcher, auth.RoleAdmin}
	responders  = []string{auth.RoleOutlet, auth.RoleTechnician} // who answers offers
	schedulers  = []string{auth.RoleTechnician, auth.RoleOutlet, auth.RoleDispatcher, auth.RoleAgent,
		auth.RoleSupervisor, auth.RoleAdmin}
	field = []string{auth.RoleTechnician}
)

// rule says who may take an action and, per status it is allowed from, where it leads.
type rule struct {
	roles []string
	to    map[Status]Status
}

func to(target Status, from ...Status) map[Status]Status {
	m := map[Status]Status{}
	for _, s := range from {
		m[s] = target
	}
	return m
}

func stay(statuses ...Status) map[Status]Status {
	m := map[Status]Status{}
	for _, s := range statuses {
		m[s] = s
	}
	return m
}

// rules is the service-order state machine. Object-level checks (whose offer, which
// technician) are made by the service before it moves an order.
var rules = map[action]rule{
	actStartDispatch:    {system, to(StatusDispatching, StatusCreated)},
	actOffer:            {system, to(StatusOffered, StatusDispatching)},
	actEscalate:         {system, stay(StatusDispatching)},
	actAccept:           {responders, to(StatusAccepted, StatusOffered)},
	actDecline:          {responders, to(StatusDispatching, StatusOffered)},
	actExpire:           {system, to(StatusDispatching, StatusOffered)},
	actAssign:           {dispatchers, to(StatusAccepted, StatusDispatching, StatusOffered, StatusAccepted, StatusScheduled)},
	actRedispatch:       {dispatchers, stay(StatusDispatching)},
	actAssignTechnician: {append([]string{auth.RoleOutlet}, dispatchers...), stay(StatusAccepted, StatusScheduled)},
	actSchedule:         {schedulers, to(StatusScheduled, StatusAccepted, StatusScheduled)},
	actEnRoute:          {field, to(StatusEnRoute, StatusAccepted, StatusScheduled)},
	actOnSite:           {field, to(StatusOnSite, StatusAccepted, StatusScheduled, StatusEnRoute)},
	actComplete:         {field, to(StatusCompleted, StatusOnSite)},
	actRevisit:          {append([]string{auth.RoleTechnician}, dispatchers...), to(StatusRevisitNeeded, StatusOnSite, StatusCompleted)},
	actVerify:           {dispatchers, to(StatusVerified, StatusCompleted)},
	actClose:            {dispatchers, to(StatusClosed, StatusVerified)},
	actCancel: {creators, to(StatusCancelled, StatusCreated, StatusDispatching, StatusOffered,
		StatusAccepted, StatusScheduled, StatusEnRoute)},
}

// change is what an action writes besides the status, the version and the history.
type change struct {
	where  bson.D // further preconditions, e.g. the open offer's id
	set    bson.D
	unset  []string
	inc    bson.D
	push   bson.D
	note   string
	events []aggregate.Event
}

// allowed checks act's role and precondition for actor on o without writing.
func allowed(actor aggregate.Actor, o *ServiceOrder, act action) (Status, error) {
	r, ok := rules[act]
	if !ok {
		return "", errors.New("orders: no rule for action " + string(act))
	}
	if !slices.Contains(r.roles, actor.Role) {
		return "", apperr.Forbidden("your role may not do this")
	}
	next, ok := r.to[o.Status]
	if !ok {
		return "", apperr.Conflict("the service order is %s; it cannot be %s now", o.Status, act.human())
	}
	return next, nil
}

// move applies act to o as one conditional update on o's version and status: the role
// check, the precondition, the new status, the history entry and the events together.
func (s *Service) move(ctx context.Context, actor aggregate.Actor, o *ServiceOrder, act action, ch change) error {
	next, err := allowed(actor, o, act)
	if err != nil {
		return err
	}
	set := ch.set
	if next != o.Status {
		set = append(bson.D{{Key: "status", Value: next}}, set...)
	}
	return s.store.Apply(ctx, aggregate.Change{
		ID: o.ID, Version: o.Version, Where: append(bson.D{{Key: "status", Value: o.Status}}, ch.where...),
		Set: set, Unset: ch.unset, Inc: ch.inc, Push: ch.push, Events: ch.events,
		Entry: aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: string(act), From: o.Status, To: next, Note: ch.note},
	})
}

func (a action) human() string {
	switch a {
	case actAccept, actDecline, actExpire:
		return "answered (its offer is not open)"
	case actStartDispatch, actOffer, actEscalate, actRedispatch:
		return "dispatched"
	default:
		return string(a)
	}
}

// errNoop tells retry that the change is no longer needed: the world moved on.
var errNoop = aggregate.ErrNoop

// retry runs step on a fresh read of order id until it lands, needs nothing, or fails
// for another reason than a lost race (see aggregate.Retry).
func (s *Service) retry(ctx context.Context, id string, step func(o *ServiceOrder) error) error {
	return aggregate.Retry(ctx, func(ctx context.Context) (*ServiceOrder, error) {
		var o ServiceOrder
		err := s.store.Load(ctx, id, &o)
		return &o, err
	}, step)
}
