package complaints

import (
	"errors"
	"fmt"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
)

// The follow-up call (回访) after a case is resolved is its own small type, so returns
// can run the same rules: when it falls due, what a call records, and what a call means
// for the case (confirmed, not resolved, try again, unreachable).

// FollowUpPolicy times the follow-up call.
type FollowUpPolicy struct {
	After    time.Duration // from resolution to the call falling due
	Retry    time.Duration // from an unanswered call to the next attempt
	Attempts int           // this many unanswered calls make the customer unreachable
}

// DefaultFollowUpPolicy calls a day after resolution and gives up after three misses.
func DefaultFollowUpPolicy() FollowUpPolicy {
	return FollowUpPolicy{After: 24 * time.Hour, Retry: 4 * time.Hour, Attempts: 3}
}

// Check reports a policy that cannot work.
func (p FollowUpPolicy) Check() error {
	if p.After <= 0 || p.Retry <= 0 || p.Attempts < 1 {
		return errors.New("follow-up policy: After, Retry and Attempts must be positive")
	}
	return nil
}

// Follow-up statuses.
const (
	FollowUpPending     = "pending"     // waiting for a call that reaches the customer
	FollowUpDone        = "done"        // the customer answered the survey
	FollowUpUnreachable = "unreachable" // every attempt went unanswered
)

// FollowUp is the follow-up of one resolution. Gen ties its timer to it: a case
// resolved again gets a new follow-up, and the old one's timer must do nothing.
type FollowUp struct {
	DueAt    time.Time `bson:"due_at" json:"due_at"`
	Attempts int       `bson:"attempts" json:"attempts" doc:"unanswered calls so far"`
	Status   string    `bson:"status" json:"status" doc:"pending, done or unreachable"`
	Calls    []Call    `bson:"calls" json:"calls"`
	Gen      int64     `bson:"gen" json:"-"`
	// Announced is set once the due alert went out, so a redelivered timer sends none.
	Announced bool `bson:"announced" json:"-"`
}

// NewFollowUp schedules the follow-up of a resolution at resolvedAt.
func NewFollowUp(resolvedAt time.Time, gen int64, p FollowUpPolicy) FollowUp {
	return FollowUp{DueAt: resolvedAt.Add(p.After), Status: FollowUpPending, Calls: []Call{}, Gen: gen}
}

// Call is one follow-up call as recorded.
type Call struct {
	At       time.Time `bson:"at" json:"at"`
	By       string    `bson:"by" json:"by"`
	Reached  bool      `bson:"reached" json:"reached"`
	Resolved *bool     `bson:"resolved,omitempty" json:"resolved,omitempty"`
	CSAT     *int      `bson:"csat,omitempty" json:"csat,omitempty"`
	NPS      *int      `bson:"nps,omitempty" json:"nps,omitempty"`
	Comment  string    `bson:"comment,omitempty" json:"comment,omitempty"`
}

// Survey is what a customer who was reached said; it outlives reopenings, for the KPIs.
type Survey struct {
	At       time.Time `bson:"at" json:"at"`
	By       string    `bson:"by" json:"by"`
	Resolved bool      `bson:"resolved" json:"resolved"`
	CSAT     *int      `bson:"csat,omitempty" json:"csat,omitempty"`
	NPS      *int      `bson:"nps,omitempty" json:"nps,omitempty"`
	Comment  string    `bson:"comment,omitempty" json:"comment,omitempty"`
}

// CallInput is a follow-up call to record; it is also the request body.
type CallInput struct {
	Reached  *bool  `json:"reached" doc:"whether the customer answered"`
	Resolved *bool  `json:"resolved,omitempty" doc:"required when reached: does the customer consider it solved"`
	CSAT     *int   `json:"csat,omitempty" doc:"1 to 5; only when reached"`
	NPS      *int   `json:"nps,omitempty" doc:"0 to 10; only when reached"`
	Comment  string `json:"comment,omitempty" doc:"at most 2000 characters"`
}

// Validate reports every invalid field at once.
func (in CallInput) Validate() error {
	f := apperr.Fields{}
	f.MaxLen("comment", in.Comment, 2000)
	switch {
	case in.Reached == nil:
		f.Add("reached", "is required")
	case *in.Reached:
		if in.Resolved == nil {
			f.Add("resolved", "is required when the customer was reached")
		}
		if in.CSAT != nil {
			f.Range("csat", float64(*in.CSAT), 1, 5)
		}
		if in.NPS != nil {
			f.Range("nps", float64(*in.NPS), 0, 10)
		}
	default:
		for field, set := range map[string]bool{"resolved": in.Resolved != nil, "csat": in.CSAT != nil, "nps": in.NPS != nil} {
			if set {
				f.Add(field, "must be absent when the customer was not reached")
			}
		}
	}
	return f.Err()
}

// Outcome is what a recorded call means for the case.
type Outcome string

// Outcomes of a call.
const (
	OutcomeRetry       Outcome = "retry"        // not reached; call again later
	OutcomeUnreachable Outcome = "unreachable"  // not reached for the last allowed time
	OutcomeConfirmed   Outcome = "confirmed"    // reached, and the customer says it is solved
	OutcomeNotResolved Outcome = "not_resolved" // reached, and it is not solved: reopen
)

// ErrFollowUpNotPending is returned when a call is recorded on a finished follow-up.
var ErrFollowUpNotPending = apperr.Conflict("the follow-up is not pending")

// Record adds a call by `by` at now and returns the follow-up after it, what it means
// and, when the customer was reached, their survey.
func (f FollowUp) Record(in CallInput, by string, now time.Time, p FollowUpPolicy) (FollowUp, Outcome, *Survey, error) {
	if err := in.Validate(); err != nil {
		return f, "", nil, err
	}
	if f.Status != FollowUpPending {
		return f, "", nil, ErrFollowUpNotPending
	}
	call := Call{At: now, By: by, Reached: *in.Reached, Resolved: in.Resolved, CSAT: in.CSAT, NPS: in.NPS, Comment: in.Comment}
	f.Calls = append(append([]Call{}, f.Calls...), call)
	if !call.Reached {
		f.Attempts++
		if f.Attempts >= p.Attempts {
			f.Status = FollowUpUnreachable
			return f, OutcomeUnreachable, nil, nil
		}
		f.DueAt = now.Add(p.Retry)
		return f, OutcomeRetry, nil, nil
	}
	f.Status = FollowUpDone
	s := &Survey{At: now, By: by, Resolved: *in.Resolved, CSAT: in.CSAT, NPS: in.NPS, Comment: in.Comment}
	if s.Resolved {
		return f, OutcomeConfirmed, s, nil
	}
	return f, OutcomeNotResolved, s, nil
}

// Describe is a one-line account of a call's outcome, for history.
func (o Outcome) Describe(f FollowUp) string {
	switch o {
	case OutcomeRetry:
		return fmt.Sprintf("customer not reached (attempt %d); next attempt due %s", f.Attempts, f.DueAt.Format(time.RFC3339))
	case OutcomeUnreachable:
		return fmt.Sprintf("customer not reached after %d attempts: unreachable", f.Attempts)
	case OutcomeConfirmed:
		return "customer confirmed the resolution"
	default:
		return "customer says it is not resolved"
	}
}
