package complaints

import (
	"context"
	"time"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

// FollowUpTimer is the data of TypeFollowUpDue.
type FollowUpTimer struct {
	ComplaintID string `json:"complaint_id"`
	Gen         int64  `json:"gen"`
}

// RecordFollowUp records a follow-up call on a resolved complaint. Any agent may make
// the call, whatever the complaint's tier: follow-up is its own desk. The outcome decides
// the complaint's next step: try again later, closed (confirmed or unreachable), or
// reopened with a new resolution clock and no longer first-contact resolved.
func (s *Service) RecordFollowUp(ctx context.Context, p auth.Principal, id string, in CallInput) (*Complaint, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if !p.HasRole(staff...) {
		return nil, apperr.Forbidden("your role may not record follow-ups")
	}
	c, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status != StatusResolved || c.FollowUp == nil {
		return nil, apperr.Conflict("the complaint is %s; it has no pending follow-up", c.Status)
	}
	now := s.clock.Now()
	f, outcome, survey, err := c.FollowUp.Record(in, p.UserID, now, s.policy.FollowUp)
	if err != nil {
		return nil, err
	}
	act, ch := s.afterCall(c, f, outcome, now)
	ch.set = append(bson.D{{Key: "follow_up", Value: f}, {Key: "follow_up_status", Value: f.Status},
		{Key: "follow_up_due", Value: f.DueAt}}, ch.set...)
	ch.note = outcome.Describe(f)
	if survey != nil {
		ch.push = bson.D{{Key: "surveys", Value: *survey}}
	}
	if _, err := s.move(ctx, p.Actor(), c, act, ch); err != nil {
		return nil, err
	}
	return s.load(ctx, id)
}

// afterCall is what a call's outcome does to the complaint besides the follow-up itself.
func (s *Service) afterCall(c *Complaint, f FollowUp, o Outcome, now time.Time) (action, change) {
	switch o {
	case OutcomeRetry:
		return actFollowUpMissed, change{}
	case OutcomeUnreachable:
		return actFollowUpGiveUp, change{set: bson.D{{Key: "closed_at", Value: now}}}
	case OutcomeConfirmed:
		return actFollowUpConfirmed, change{set: bson.D{{Key: "closed_at", Value: now}}}
	}
	next := *c
	next.ClockGen, next.ResolutionStart = c.ClockGen+1, now
	_, next.ResolutionDue = s.policy.deadlines(c.Class, now)
	return actFollowUpReopened, change{
		set: bson.D{{Key: "fcr", Value: false}, {Key: "clock_gen", Value: next.ClockGen},
			{Key: "resolution_start", Value: now}, {Key: "resolution_due", Value: next.ResolutionDue}},
		unset:  []string{"resolution", "resolved_at"},
		inc:    bson.D{{Key: "reopens", Value: 1}},
		events: s.clockTimers(&next, ClockResolution),
	}
}

// HandleFollowUpDue puts a due follow-up in front of the agents: a history entry and
// an alert to the assignee, or to the tier's queue. Nothing happens when the follow-up
// was already made or belongs to an earlier resolution.
func (s *Service) HandleFollowUpDue(ctx context.Context, t *asynq.Task) error {
	var data FollowUpTimer
	if err := decode(t, &data); err != nil {
		return err
	}
	return s.retryTimer(ctx, data.ComplaintID, func(c *Complaint) error {
		f := c.FollowUp
		if c.Status != StatusResolved || f == nil || f.Gen != data.Gen || f.Status != FollowUpPending || f.Announced {
			return errNoop
		}
		next := *f
		next.Announced = true
		_, err := s.move(ctx, aggregate.System, c, actFollowUpDue, change{
			set:    bson.D{{Key: "follow_up", Value: next}},
			note:   "follow-up call due",
			events: []aggregate.Event{alertEvent(c, AlertFollowUpDue, "follow-up call due since "+f.DueAt.Format(time.RFC3339))},
		})
		return err
	})
}

// ListFollowUps returns a page of the resolved complaints whose follow-up call is due
// by dueBefore, oldest complaint first.
func (s *Service) ListFollowUps(ctx context.Context, p auth.Principal, dueBefore time.Time, page httpx.Page) (httpx.PageResult[*Complaint], error) {
	if !p.HasRole(staff...) {
		return httpx.PageResult[*Complaint]{}, apperr.Forbidden("your role may not see follow-ups")
	}
	filter := bson.D{{Key: "status", Value: StatusResolved}, {Key: "follow_up_status", Value: FollowUpPending},
		{Key: "follow_up_due", Value: bson.D{{Key: "$lte", Value: dueBefore}}}}
	return s.find(ctx, filter, page)
}
