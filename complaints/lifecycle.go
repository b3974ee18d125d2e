package complaints

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/queue"
)

func requireText(field, v string, max int) error {
	f := apperr.Fields{}
	if f.Required(field, v) {
		f.MaxLen(field, v, max)
	}
	return f.Err()
}

// work loads complaint id for an action by p, checking p may work on it.
func (s *Service) work(ctx context.Context, p auth.Principal, id string) (*Complaint, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, canWork(p, c)
}

// act loads complaint id, lets plan build the change, applies it and returns the result.
func (s *Service) act(ctx context.Context, p auth.Principal, id string, act action, plan func(c *Complaint) (change, error)) (*Complaint, error) {
	c, err := s.work(ctx, p, id)
	if err != nil {
		return nil, err
	}
	ch, err := plan(c)
	if err != nil {
		return nil, err
	}
	if _, err := s.move(ctx, p.Actor(), c, act, ch); err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

// Respond records an agent's answer to the customer; the first one stops the response clock.
func (s *Service) Respond(ctx context.Context, p auth.Principal, id, message string) (*Complaint, error) {
	if err := requireText("message", message, 2000); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, actRespond, func(c *Complaint) (change, error) {
		ch := change{note: message}
		if c.FirstResponseAt == nil {
			ch.set = bson.D{{Key: "first_response_at", Value: s.clock.Now()}}
		}
		return ch, nil
	})
}

// Resolve records that an agent solved the complaint without (further) linked work. It
// counts as first-contact resolution when the complaint was never escalated up a tier,
// never needed linked work and was never reopened.
func (s *Service) Resolve(ctx context.Context, p auth.Principal, id, resolution string) (*Complaint, error) {
	if err := requireText("resolution", resolution, 2000); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, actResolve, func(c *Complaint) (change, error) {
		fcr := c.Reopens == 0 && c.TierEscalations == 0 && len(c.Work) == 0
		ch := s.resolution(c, resolution, fcr)
		if c.FirstResponseAt == nil { // telling the customer the solution is an answer
			ch.set = append(ch.set, bson.E{Key: "first_response_at", Value: s.clock.Now()})
		}
		return ch, nil
	})
}

// resolution is what resolving c writes: the resolution and the follow-up it schedules.
func (s *Service) resolution(c *Complaint, text string, fcr bool) change {
	now := s.clock.Now()
	f := NewFollowUp(now, c.ClockGen, s.policy.FollowUp)
	due := aggregate.NewEvent(TypeFollowUpDue, queue.Notify, FollowUpTimer{ComplaintID: c.ID, Gen: f.Gen}).At(f.DueAt)
	return change{
		set: bson.D{{Key: "resolution", Value: text}, {Key: "resolved_at", Value: now}, {Key: "fcr", Value: fcr},
			{Key: "follow_up", Value: f}, {Key: "follow_up_status", Value: f.Status}, {Key: "follow_up_due", Value: f.DueAt}},
		note:   text,
		events: []aggregate.Event{due},
	}
}

// Cancel ends a complaint that needs no work: a duplicate, or withdrawn by the customer.
func (s *Service) Cancel(ctx context.Context, p auth.Principal, id, reason string) (*Complaint, error) {
	if err := requireText("reason", reason, 1000); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, actCancel, func(c *Complaint) (change, error) {
		return change{set: bson.D{{Key: "cancel_reason", Value: reason}, {Key: "closed_at", Value: s.clock.Now()}}, note: reason}, nil
	})
}

// ClassInput is a supervisor's override of a complaint's class.
type ClassInput struct {
	Class  string `json:"class" doc:"general, serious, system_fault or public_opinion"`
	Reason string `json:"reason"`
}

// Validate reports every invalid field at once.
func (in ClassInput) Validate() error {
	f := apperr.Fields{}
	if f.Required("class", in.Class) {
		f.OneOf("class", in.Class, Classes()...)
	}
	if f.Required("reason", in.Reason) {
		f.MaxLen("reason", in.Reason, 1000)
	}
	return f.Err()
}

// Reclassify overrides the class. The deadlines are recomputed from when each clock
// started, under a new clock gen, so the old timers find nothing to do.
func (s *Service) Reclassify(ctx context.Context, p auth.Principal, id string, in ClassInput) (*Complaint, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return s.act(ctx, p, id, actReclassify, func(c *Complaint) (change, error) {
		if in.Class == c.Class {
			return change{}, apperr.Conflict("the complaint is already %s", c.Class)
		}
		next := *c
		next.Class, next.ClockGen = in.Class, c.ClockGen+1
		next.ResponseDue, _ = s.policy.deadlines(in.Class, c.CreatedAt)
		_, next.ResolutionDue = s.policy.deadlines(in.Class, c.ResolutionStart)
		clocks := []string{ClockResolution}
		if c.FirstResponseAt == nil {
			clocks = append(clocks, ClockResponse)
		}
		return change{
			set: bson.D{{Key: "class", Value: next.Class}, {Key: "class_reason", Value: in.Reason},
				{Key: "clock_gen", Value: next.ClockGen}, {Key: "response_due", Value: next.ResponseDue},
				{Key: "resolution_due", Value: next.ResolutionDue}},
			note:   fmt.Sprintf("%s → %s: %s", c.Class, in.Class, in.Reason),
			events: s.clockTimers(&next, clocks...),
		}, nil
	})
}
