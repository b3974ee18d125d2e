package dispatch

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// Transitions of network members' state.
const (
	Suspend    = "suspend"    // outlet: stops receiving work, its technicians too
	Unsuspend  = "unsuspend"  // outlet
	Deactivate = "deactivate" // technician: stops receiving work
	Activate   = "activate"   // technician
)

// transition is one allowed state change. Outlets are active or suspended, technicians
// active or inactive; each state is one stored boolean so the engine and the queries
// read it directly.
type transition struct {
	member      string // outlet or technician
	flag        string // the stored boolean it flips
	from, to    bool
	fromState   string
	toState     string
	reasonField string // set when entering toState with a reason, removed when leaving
	needsReason bool
	roles       []string
}

var networkManagers = []string{auth.RoleAdmin, auth.RoleDispatcher}

var transitions = map[string]transition{
	Suspend: {member: "outlet", flag: "suspended", from: false, to: true, fromState: "active", toState: "suspended",
		reasonField: "suspended_reason", needsReason: true, roles: networkManagers},
	Unsuspend: {member: "outlet", flag: "suspended", from: true, to: false, fromState: "suspended", toState: "active",
		reasonField: "suspended_reason", roles: networkManagers},
	Deactivate: {member: "technician", flag: "active", from: true, to: false, fromState: "active", toState: "inactive",
		reasonField: "inactive_reason", needsReason: true, roles: append([]string{auth.RoleOutlet}, networkManagers...)},
	Activate: {member: "technician", flag: "active", from: false, to: true, fromState: "inactive", toState: "active",
		reasonField: "inactive_reason", roles: append([]string{auth.RoleOutlet}, networkManagers...)},
}

// TransitionInput is the body of a state change.
type TransitionInput struct {
	Version int64  `json:"version" doc:"the version you read; a stale one answers 409"`
	Reason  string `json:"reason,omitempty" doc:"required to suspend an outlet or deactivate a technician"`
}

func (in TransitionInput) check(t transition) error {
	f := apperr.Fields{}
	if in.Version < 1 {
		f.Add("version", "is required: the version you read")
	}
	if t.needsReason {
		f.Required("reason", in.Reason)
	}
	f.MaxLen("reason", in.Reason, maxReasonLen)
	return f.Err()
}

// memberState is what a transition reads of the member before changing it.
type memberState struct {
	version int64
	flag    bool
}

// apply moves member id through transition name: role, input and precondition checks,
// then one conditional update with history and the network event.
func (s *Service) apply(ctx context.Context, p auth.Principal, name, id string, in TransitionInput,
	load func() (memberState, error)) error {
	t, ok := transitions[name]
	if !ok {
		return fmt.Errorf("dispatch: unknown transition %q", name)
	}
	if !p.HasRole(t.roles...) {
		return apperr.Forbidden("your role may not %s a %s", name, t.member)
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if err := in.check(t); err != nil {
		return err
	}
	cur, err := load()
	switch {
	case err != nil:
		return err
	case cur.version != in.Version:
		return apperr.VersionConflict(t.member)
	case cur.flag != t.from:
		return apperr.Conflict("%s is already %s", t.member, t.toState)
	}
	if err := s.store(t.member).Apply(ctx, t.change(p, name, id, in)); err != nil {
		return err
	}
	s.changed(ctx)
	return nil
}

func (t transition) change(p auth.Principal, name, id string, in TransitionInput) aggregate.Change {
	c := aggregate.Change{ID: id, Version: in.Version, Where: bson.D{{Key: t.flag, Value: t.from}},
		Set:    bson.D{{Key: t.flag, Value: t.to}},
		Entry:  aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: name, From: t.fromState, To: t.toState, Note: in.Reason},
		Events: []aggregate.Event{networkChanged(t.member, id, name)}}
	if t.needsReason {
		c.Set = append(c.Set, bson.E{Key: t.reasonField, Value: in.Reason})
	} else {
		c.Unset = []string{t.reasonField}
	}
	return c
}

func (s *Service) store(member string) *aggregate.Store {
	if member == "outlet" {
		return s.outlets
	}
	return s.technicians
}

// TransitionOutlet suspends or unsuspends an outlet (name Suspend or Unsuspend).
func (s *Service) TransitionOutlet(ctx context.Context, p auth.Principal, id, name string, in TransitionInput) (OutletView, error) {
	err := s.apply(ctx, p, name, id, in, func() (memberState, error) {
		d, err := s.loadOutlet(ctx, p, id)
		return memberState{d.Version, d.Suspended}, err
	})
	if err != nil {
		return OutletView{}, err
	}
	return s.GetOutlet(ctx, p, id)
}

// TransitionTechnician activates or deactivates a technician (name Activate or Deactivate).
func (s *Service) TransitionTechnician(ctx context.Context, p auth.Principal, id, name string, in TransitionInput) (TechnicianView, error) {
	err := s.apply(ctx, p, name, id, in, func() (memberState, error) {
		d, err := s.loadTechnician(ctx, p, id)
		return memberState{d.Version, d.Active}, err
	})
	if err != nil {
		return TechnicianView{}, err
	}
	return s.GetTechnician(ctx, p, id)
}
