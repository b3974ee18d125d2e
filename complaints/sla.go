package complaints

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/queue"
)

// SLATimer is the data of TypeSLAWarning and TypeSLABreach: one point of one clock.
// Gen is the complaint's clock_gen when the timer was set; once deadlines move (class
// override, reopening) the complaint's gen moves on and this timer does nothing.
type SLATimer struct {
	ComplaintID string    `json:"complaint_id"`
	Clock       string    `json:"clock"`   // response or resolution
	Percent     int       `json:"percent"` // 50, 75, 100 with the default policy
	Gen         int64     `json:"gen"`
	Due         time.Time `json:"due"`
}

// clockTimers are the warning and breach timers of c's clocks at c's current gen.
func (s *Service) clockTimers(c *Complaint, clocks ...string) []aggregate.Event {
	var out []aggregate.Event
	for _, clk := range clocks {
		start, due := c.span(clk)
		for _, m := range s.policy.marks(start, due) {
			typ, q := TypeSLAWarning, queue.Notify
			if m.Percent >= 100 {
				typ, q = TypeSLABreach, queue.Critical
			}
			data := SLATimer{ComplaintID: c.ID, Clock: clk, Percent: m.Percent, Gen: c.ClockGen, Due: due}
			out = append(out, aggregate.NewEvent(typ, q, data).At(m.At))
		}
	}
	return out
}

// span is when clock started and when it is due.
func (c *Complaint) span(clock string) (start, due time.Time) {
	if clock == ClockResponse {
		return c.CreatedAt, c.ResponseDue
	}
	return c.ResolutionStart, c.ResolutionDue
}

// running reports whether clock is still ticking for the timers of gen.
func (c *Complaint) running(clock string, gen int64) bool {
	if gen != c.ClockGen || !c.active() {
		return false
	}
	return clock != ClockResponse || c.FirstResponseAt == nil
}

func warningKey(t SLATimer) string { return fmt.Sprintf("%d:%s:%d", t.Gen, t.Clock, t.Percent) }

// HandleSLAWarning warns whoever holds the complaint that a clock is running out. It
// does nothing when the clock has stopped or moved since the timer was set.
func (s *Service) HandleSLAWarning(ctx context.Context, t *asynq.Task) error {
	var data SLATimer
	if err := decode(t, &data); err != nil {
		return err
	}
	return s.retryTimer(ctx, data.ComplaintID, func(c *Complaint) error {
		key := warningKey(data)
		if !c.running(data.Clock, data.Gen) || slices.Contains(c.SLAWarnings, key) {
			return errNoop
		}
		msg := fmt.Sprintf("%s clock at %d%%: due %s", data.Clock, data.Percent, data.Due.Format(time.RFC3339))
		_, err := s.move(ctx, aggregate.System, c, actSLAWarning, change{
			push: bson.D{{Key: "sla_warnings", Value: key}}, note: msg,
			events: []aggregate.Event{alertEvent(c, AlertSLAWarning, msg)},
		})
		return err
	})
}

// HandleSLABreach records a clock passing its deadline and escalates the complaint to
// the supervisors, once per clock and gen.
func (s *Service) HandleSLABreach(ctx context.Context, t *asynq.Task) error {
	var data SLATimer
	if err := decode(t, &data); err != nil {
		return err
	}
	return s.retryTimer(ctx, data.ComplaintID, func(c *Complaint) error {
		if !c.running(data.Clock, data.Gen) || c.breachedAt(data.Clock, data.Gen) {
			return errNoop
		}
		now := s.clock.Now()
		set := bson.D{{Key: "breached_" + data.Clock, Value: true}, {Key: "breached", Value: true},
			{Key: "escalated_to_supervisor", Value: true}}
		if !c.Escalated {
			set = append(set, bson.E{Key: "escalated_at", Value: now})
		}
		msg := fmt.Sprintf("%s clock breached: was due %s; escalated to supervisors", data.Clock, data.Due.Format(time.RFC3339))
		_, err := s.move(ctx, aggregate.System, c, actSLABreach, change{
			set:    set,
			push:   bson.D{{Key: "breaches", Value: Breach{Clock: data.Clock, Due: data.Due, At: now, Gen: data.Gen}}},
			note:   msg,
			events: []aggregate.Event{alertEvent(c, AlertSLABreach, msg)},
		})
		return err
	})
}

func (c *Complaint) breachedAt(clock string, gen int64) bool {
	return slices.ContainsFunc(c.Breaches, func(b Breach) bool { return b.Clock == clock && b.Gen == gen })
}
