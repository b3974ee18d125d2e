package complaints

import (
	"context"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// The RMA and service-order desks call these as their work progresses. They run as the
// system actor, retry lost races themselves, and are idempotent: a repeated call (an
// event redelivered) changes nothing.

// LinkWork records that the work requested as requestID now exists as ref (an RMA or
// service-order id).
func (s *Service) LinkWork(ctx context.Context, complaintID, requestID, ref string) error {
	if strings.TrimSpace(ref) == "" {
		return apperr.Fields{"ref": "is required"}.Err()
	}
	return s.retry(ctx, complaintID, func(c *Complaint) error {
		i := slices.IndexFunc(c.Work, func(w WorkItem) bool { return w.ID == requestID })
		switch {
		case i < 0:
			return apperr.NotFound("work request")
		case c.Work[i].Ref == ref:
			return errNoop
		case c.Work[i].Status != WorkRequested:
			return apperr.Conflict("work request %s is already %s as %s", requestID, c.Work[i].Status, c.Work[i].Ref)
		}
		work := slices.Clone(c.Work)
		work[i].Status, work[i].Ref = WorkLinked, ref
		_, err := s.move(ctx, aggregate.System, c, actLinkWork, change{
			set: bson.D{{Key: "work", Value: work}}, note: work[i].Kind + " " + ref,
		})
		return err
	})
}

// WorkDone records that the linked work ref is finished. When it was the last open
// work of the complaint, the complaint is resolved and its follow-up scheduled.
func (s *Service) WorkDone(ctx context.Context, complaintID, ref string) error {
	return s.endWork(ctx, complaintID, ref, WorkDone, "")
}

// WorkCancelled records that the linked work ref was refused or withdrawn. When no work
// is left open and not all of it was done, the complaint goes back to the agents.
func (s *Service) WorkCancelled(ctx context.Context, complaintID, ref, reason string) error {
	return s.endWork(ctx, complaintID, ref, WorkCancelled, reason)
}

func (s *Service) endWork(ctx context.Context, complaintID, ref, status, reason string) error {
	return s.retry(ctx, complaintID, func(c *Complaint) error {
		i := slices.IndexFunc(c.Work, func(w WorkItem) bool { return w.Ref == ref && ref != "" })
		switch {
		case i < 0:
			return apperr.NotFound("linked work")
		case c.Work[i].Status == status:
			return errNoop
		case !c.Work[i].open():
			return apperr.Conflict("linked work %s is already %s", ref, c.Work[i].Status)
		}
		now := s.clock.Now()
		work := slices.Clone(c.Work)
		work[i].Status, work[i].EndedAt, work[i].Note = status, &now, reason
		act, ch := s.afterWork(c, work, status)
		ch.set = append(ch.set, bson.E{Key: "work", Value: work}, bson.E{Key: "open_work", Value: countOpen(work)})
		ch.note = strings.TrimSpace(work[i].Kind + " " + ref + " " + status + ". " + reason + " " + ch.note)
		_, err := s.move(ctx, aggregate.System, c, act, ch)
		return err
	})
}

// afterWork decides what the end of a work item means for the complaint: nothing while
// other work is open; resolved when all the work of this round was done; back to the
// agents, with a new round, when some of it was cancelled.
func (s *Service) afterWork(c *Complaint, work []WorkItem, status string) (action, change) {
	round := slices.DeleteFunc(slices.Clone(work), func(w WorkItem) bool { return w.Round != c.WorkRound })
	switch {
	case countOpen(work) > 0 && status == WorkDone:
		return actWorkDone, change{}
	case countOpen(work) > 0:
		return actWorkCancelled, change{}
	case !slices.ContainsFunc(round, func(w WorkItem) bool { return w.Status == WorkCancelled }):
		refs := make([]string, 0, len(round))
		for _, w := range round {
			refs = append(refs, w.Ref)
		}
		return actResolveByWork, s.resolution(c, "linked work done: "+strings.Join(refs, ", "), false)
	default:
		return actReturnToAgent, change{inc: bson.D{{Key: "work_round", Value: 1}},
			note: "no work left open and not all of it was done: back to the agents"}
	}
}

func countOpen(work []WorkItem) int {
	n := 0
	for _, w := range work {
		if w.open() {
			n++
		}
	}
	return n
}
