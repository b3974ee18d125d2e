package complaints

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// EscalateInput moves a complaint up the support tiers.
type EscalateInput struct {
	ToTier string `json:"to_tier" doc:"L2 or L3; above the complaint's tier"`
	Reason string `json:"reason"`
}

// Validate reports every invalid field at once.
func (in EscalateInput) Validate() error {
	f := apperr.Fields{}
	if f.Required("to_tier", in.ToTier) {
		f.OneOf("to_tier", in.ToTier, auth.Tiers()...)
	}
	if f.Required("reason", in.Reason) {
		f.MaxLen("reason", in.Reason, 1000)
	}
	return f.Err()
}

// Escalate moves the complaint up to in.ToTier, into that tier's shared queue (it is
// unassigned), and tells the tier's agents. Any agent who may work the complaint can
// escalate it; tiers only go up.
func (s *Service) Escalate(ctx context.Context, p auth.Principal, id string, in EscalateInput) (*Complaint, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, actEscalate, func(c *Complaint) (change, error) {
		if tierRank(in.ToTier) <= tierRank(c.Tier) {
			return change{}, apperr.Fields{"to_tier": fmt.Sprintf("must be above the complaint's tier %s", c.Tier)}.Err()
		}
		next := *c
		next.Tier, next.Assignee = in.ToTier, ""
		note := fmt.Sprintf("%s → %s: %s", c.Tier, in.ToTier, in.Reason)
		return change{
			set:    bson.D{{Key: "tier", Value: in.ToTier}, {Key: "assignee", Value: ""}},
			inc:    bson.D{{Key: "tier_escalations", Value: 1}},
			note:   note,
			events: []aggregate.Event{alertEvent(&next, AlertEscalated, note)},
		}, nil
	})
}

// AssignInput gives a complaint to an agent.
type AssignInput struct {
	AgentID string `json:"agent_id" doc:"a supervisor names any agent of the complaint's tier or above; an agent names themself"`
}

// Validate reports a missing agent.
func (in AssignInput) Validate() error {
	f := apperr.Fields{}
	if f.Required("agent_id", in.AgentID) {
		f.MaxLen("agent_id", in.AgentID, 64)
	}
	return f.Err()
}

// Assign gives the complaint to an agent: a supervisor assigns anyone able to work it, an
// agent takes it for themself.
func (s *Service) Assign(ctx context.Context, p auth.Principal, id string, in AssignInput) (*Complaint, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if p.Role == auth.RoleAgent && in.AgentID != p.UserID {
		return nil, apperr.Forbidden("agents may only assign complaints to themselves")
	}
	return s.act(ctx, p, id, actAssign, func(c *Complaint) (change, error) {
		if err := s.checkAssignee(ctx, in.AgentID, c.Tier); err != nil {
			return change{}, err
		}
		if c.Assignee == in.AgentID {
			return change{}, apperr.Conflict("the complaint is already assigned to %s", in.AgentID)
		}
		return change{set: bson.D{{Key: "assignee", Value: in.AgentID}},
			note: fmt.Sprintf("assignee %s → %s", orNone(c.Assignee), in.AgentID)}, nil
	})
}

func (s *Service) checkAssignee(ctx context.Context, agentID, tier string) error {
	u, err := s.users.GetUser(ctx, agentID)
	switch {
	case missing(err):
		return apperr.Fields{"agent_id": "no such user"}.Err()
	case err != nil:
		return err
	case u.Role != auth.RoleAgent || u.Disabled:
		return apperr.Fields{"agent_id": "is not an active agent"}.Err()
	case tierRank(u.Tier) < tierRank(tier):
		return apperr.Fields{"agent_id": fmt.Sprintf("is a tier %s agent; the complaint is at tier %s", u.Tier, tier)}.Err()
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
