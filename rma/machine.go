package rma

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// action is one step an RMA can take; it is also the history entry's action.
type action string

// Actions.
const (
	actCreated        action = "created"
	actReserved       action = "lines_reserved"
	actOverride       action = "policy_overridden"
	actApprove        action = "approved"
	actReject         action = "rejected"
	actRoute          action = "routed"
	actRouteDeferred  action = "routing_deferred"
	actReturnShipped  action = "return_shipped"
	actReceive        action = "received"
	actInspect        action = "inspected"
	actAcceptMismatch action = "mismatch_accepted"
	actRefuse         action = "refund_rejected"
	actRefund         action = "refunded"
	actReship         action = "replacement_shipped"
	actRepairReturn   action = "repaired_returned"
	actClose          action = "closed"
	actCancel         action = "cancelled"
)

// Who acts.
var (
	desk        = []string{auth.RoleAgent, auth.RoleSupervisor}
	supervisors = []string{auth.RoleSupervisor}
	warehouse   = []string{auth.RoleWarehouse}
	system      = []string{aggregate.System.Role}
)

var allTypes = []Type{TypeReturnRefund, TypeExchange, TypeRefundOnly, TypeDepotRepair}
var goodsTypes = []Type{TypeReturnRefund, TypeExchange, TypeDepotRepair}

// rule says who may take an action and, per RMA type, which status it leads to from
// each status it is allowed in.
type rule struct {
	roles []string
	to    map[Type]map[Status]Status
}

// edges builds a rule's transitions: for each of types, from each of from to target.
// A target of "" keeps the status.
func edges(types []Type, target Status, from ...Status) map[Type]map[Status]Status {
	m := map[Type]map[Status]Status{}
	for _, t := range types {
		m[t] = map[Status]Status{}
		for _, f := range from {
			m[t][f] = target
			if target == "" {
				m[t][f] = f
			}
		}
	}
	return m
}

func merge(ms ...map[Type]map[Status]Status) map[Type]map[Status]Status {
	out := map[Type]map[Status]Status{}
	for _, m := range ms {
		for t, tr := range m {
			if out[t] == nil {
				out[t] = map[Status]Status{}
			}
			for f, to := range tr {
				out[t][f] = to
			}
		}
	}
	return out
}

var one = func(t Type) []Type { return []Type{t} }

// rules is the RMA state machine. Goods-back types go requested → approved →
// awaiting_return → received → inspected → (refunded | replacement_shipped |
// repaired_returned) → closed; refund_only goes requested → approved → refunded → closed.
var rules = map[action]rule{
	actReserved:       {system, edges(allTypes, "", StatusRequested)},
	actOverride:       {supervisors, edges(allTypes, "", StatusRequested)},
	actApprove:        {desk, edges(allTypes, StatusApproved, StatusRequested)},
	actReject:         {append(desk, system...), edges(allTypes, StatusRejected, StatusRequested)},
	actRoute:          {system, edges(goodsTypes, StatusAwaitingReturn, StatusApproved)},
	actRouteDeferred:  {system, edges(goodsTypes, "", StatusApproved)},
	actReturnShipped:  {desk, edges(goodsTypes, "", StatusAwaitingReturn)},
	actReceive:        {warehouse, edges(goodsTypes, StatusReceived, StatusAwaitingReturn)},
	actInspect:        {warehouse, edges(goodsTypes, StatusInspected, StatusReceived)},
	actAcceptMismatch: {supervisors, edges(goodsTypes, "", StatusReceived, StatusInspected)},
	actRefuse:         {supervisors, edges(goodsTypes, StatusClosed, StatusReceived, StatusInspected)},
	actRefund: {desk, merge(edges(one(TypeReturnRefund), StatusRefunded, StatusInspected),
		edges(one(TypeRefundOnly), StatusRefunded, StatusApproved))},
	actReship:       {warehouse, edges(one(TypeExchange), StatusReplacementShipped, StatusInspected)},
	actRepairReturn: {warehouse, edges(one(TypeDepotRepair), StatusRepairedReturned, StatusInspected)},
	actClose:        {system, edges(allTypes, StatusClosed, StatusRefunded, StatusReplacementShipped, StatusRepairedReturned)},
	actCancel:       {desk, edges(allTypes, StatusCancelled, StatusRequested, StatusApproved, StatusAwaitingReturn)},
}

// change is what an action writes besides the status, the version and the history.
type change struct {
	set    bson.D
	unset  []string
	inc    bson.D
	note   string
	events []aggregate.Event
}

// next is the status act leads r to, or why it may not be taken by role.
func next(r *RMA, role string, act action) (Status, error) {
	ru, ok := rules[act]
	if !ok {
		return "", errors.New("rma: no rule for action " + string(act))
	}
	if !slices.Contains(ru.roles, role) {
		return "", apperr.Forbidden("your role may not do this")
	}
	if r.ClaimsPending && act != actReserved && role != aggregate.System.Role {
		return "", apperr.Conflict("the RMA's lines are still being reserved; try again in a moment")
	}
	to, ok := ru.to[r.Type][r.Status]
	if !ok {
		return "", apperr.Conflict("the RMA is %s; a %s RMA cannot be %s now", r.Status, r.Type, act)
	}
	return to, nil
}

// move applies act to r as one conditional update on r's version and status: the role
// check, the precondition, the new status, the history entry and the events together.
func (s *Service) move(ctx context.Context, actor aggregate.Actor, r *RMA, act action, ch change) error {
	to, err := next(r, actor.Role, act)
	if err != nil {
		return err
	}
	set := ch.set
	if to != r.Status {
		set = append(bson.D{{Key: "status", Value: to}}, set...)
	}
	return s.store.Apply(ctx, aggregate.Change{
		ID: r.ID, Version: r.Version, Where: bson.D{{Key: "status", Value: r.Status}},
		Set: set, Unset: ch.unset, Inc: ch.inc, Events: ch.events,
		Entry: aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: string(act), From: string(r.Status),
			To: string(to), Note: ch.note},
	})
}

// errNoop tells retry that the change is no longer needed: the world moved on.
var errNoop = aggregate.ErrNoop

// retry runs step on a fresh read of RMA id until it lands, needs nothing, or fails
// for another reason than a lost race (see aggregate.Retry).
func (s *Service) retry(ctx context.Context, id string, step func(r *RMA) error) error {
	return aggregate.Retry(ctx, func(ctx context.Context) (*RMA, error) {
		return s.load(ctx, id)
	}, step)
}
