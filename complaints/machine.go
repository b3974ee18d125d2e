package complaints

import (
	"context"
	"errors"
	"maps"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// action is one step a complaint can take; it is also the history entry's action.
type action string

// Actions.
const (
	actRespond           action = "responded"
	actReclassify        action = "reclassified"
	actEscalate          action = "escalated"
	actAssign            action = "assigned"
	actTriage            action = "triaged"
	actLinkWork          action = "work_linked"
	actWorkDone          action = "work_done"
	actWorkCancelled     action = "work_cancelled"
	actResolveByWork     action = "resolved_by_work"  // the last linked work finished
	actReturnToAgent     action = "returned_to_agent" // linked work ended without all of it done
	actResolve           action = "resolved"
	actCancel            action = "cancelled"
	actSLAWarning        action = "sla_warning"
	actSLABreach         action = "sla_breach"
	actFollowUpDue       action = "follow_up_due"
	actFollowUpMissed    action = "follow_up_not_reached"
	actFollowUpGiveUp    action = "follow_up_unreachable"
	actFollowUpConfirmed action = "follow_up_confirmed"
	actFollowUpReopened  action = "reopened"
)

var (
	staff       = []string{auth.RoleAgent, auth.RoleSupervisor}
	supervisors = []string{auth.RoleSupervisor}
	system      = []string{aggregate.System.Role}
)

// rule says who may take an action and, per status it is allowed from, the status it leads to.
type rule struct {
	roles []string
	to    map[Status]Status
}

// stay allows an action from statuses without changing the status.
func stay(statuses ...Status) map[Status]Status {
	m := map[Status]Status{}
	for _, s := range statuses {
		m[s] = s
	}
	return m
}

// to allows an action from statuses, each leading to target.
func to(target Status, from ...Status) map[Status]Status {
	m := map[Status]Status{}
	for _, s := range from {
		m[s] = target
	}
	return m
}

func join(ms ...map[Status]Status) map[Status]Status {
	out := map[Status]Status{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// rules is the complaint state machine.
var rules = map[action]rule{
	actRespond: {staff, join(to(StatusInProgress, StatusOpen, StatusReopened, StatusInProgress),
		stay(StatusAwaitingWork))},
	actReclassify:        {supervisors, stay(activeStatuses...)},
	actEscalate:          {staff, stay(activeStatuses...)},
	actAssign:            {staff, stay(activeStatuses...)},
	actTriage:            {staff, to(StatusAwaitingWork, activeStatuses...)},
	actLinkWork:          {system, stay(StatusAwaitingWork)},
	actWorkDone:          {system, stay(StatusAwaitingWork)},
	actWorkCancelled:     {system, stay(StatusAwaitingWork)},
	actResolveByWork:     {system, to(StatusResolved, StatusAwaitingWork)},
	actReturnToAgent:     {system, to(StatusInProgress, StatusAwaitingWork)},
	actResolve:           {staff, to(StatusResolved, StatusOpen, StatusInProgress, StatusReopened)},
	actCancel:            {staff, to(StatusCancelled, StatusOpen, StatusInProgress, StatusReopened)},
	actSLAWarning:        {system, stay(activeStatuses...)},
	actSLABreach:         {system, stay(activeStatuses...)},
	actFollowUpDue:       {system, stay(StatusResolved)},
	actFollowUpMissed:    {staff, stay(StatusResolved)},
	actFollowUpGiveUp:    {staff, to(StatusClosed, StatusResolved)},
	actFollowUpConfirmed: {staff, to(StatusClosed, StatusResolved)},
	actFollowUpReopened:  {staff, to(StatusReopened, StatusResolved)},
}

// change is what an action writes besides the status, the version and the history.
type change struct {
	set    bson.D
	unset  []string
	inc    bson.D
	push   bson.D
	note   string
	events []aggregate.Event
}

// move applies act to c as one conditional update on c's version and status: the role
// check, the precondition, the new status, the history entry and the events together.
// It returns the status c moved to.
func (s *Service) move(ctx context.Context, actor aggregate.Actor, c *Complaint, act action, ch change) (Status, error) {
	r, ok := rules[act]
	if !ok {
		return "", errors.New("complaints: no rule for action " + string(act))
	}
	if !slices.Contains(r.roles, actor.Role) {
		return "", apperr.Forbidden("your role may not do this")
	}
	next, ok := r.to[c.Status]
	if !ok {
		return "", apperr.Conflict("the complaint is %s; it cannot be %s now", c.Status, humanAction(act))
	}
	set := ch.set
	if next != c.Status {
		set = append(bson.D{{Key: "status", Value: next}}, set...)
	}
	err := s.store.Apply(ctx, aggregate.Change{
		ID: c.ID, Version: c.Version, Where: bson.D{{Key: "status", Value: c.Status}},
		Set: set, Unset: ch.unset, Inc: ch.inc, Push: ch.push, Events: ch.events,
		Entry: aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: string(act), From: c.Status, To: next, Note: ch.note},
	})
	return next, err
}

func humanAction(a action) string {
	switch a {
	case actRespond:
		return "answered"
	case actFollowUpMissed, actFollowUpGiveUp, actFollowUpConfirmed, actFollowUpReopened:
		return "followed up"
	default:
		return string(a)
	}
}

// errNoop tells retry that the change is no longer needed: the world moved on.
var errNoop = aggregate.ErrNoop

// retry runs step on a fresh read of complaint id until it lands, needs nothing, or fails
// for another reason than a lost race (see aggregate.Retry).
func (s *Service) retry(ctx context.Context, id string, step func(c *Complaint) error) error {
	return aggregate.Retry(ctx, func(ctx context.Context) (*Complaint, error) {
		var c Complaint
		err := s.store.Load(ctx, id, &c)
		return &c, err
	}, step)
}

// retryTimer is retry for a timer's handler: a complaint that is gone needs no warning.
func (s *Service) retryTimer(ctx context.Context, id string, step func(c *Complaint) error) error {
	if err := s.retry(ctx, id, step); !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	s.log.WarnContext(ctx, "timer for a missing complaint", "complaint_id", id)
	return nil
}
