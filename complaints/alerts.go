package complaints

import (
	"context"
	"errors"
	"time"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/queue"
)

// Alerts are the staff's inbox of things that need a person now: a serious or public
// complaint opened, a clock running out or breached, a follow-up falling due. A
// supervisor or agent reads them; a mail or IM gateway can forward them later.

// Alert kinds.
const (
	AlertReported    = "reported"      // a serious or public-opinion complaint was opened
	AlertSLAWarning  = "sla_warning"   // a clock passed a warning point
	AlertSLABreach   = "sla_breach"    // a clock passed its deadline; escalated
	AlertFollowUpDue = "follow_up_due" // the follow-up call is due
	AlertEscalated   = "escalated"     // moved up to a tier's queue
	ToSupervisors    = "supervisors"
	alertPrefixUser  = "user:"
	alertPrefixTier  = "tier:"
	alertIDPrefix    = "ALR-"
)

// AlertKinds lists the alert kinds.
func AlertKinds() []string {
	return []string{AlertReported, AlertSLAWarning, AlertSLABreach, AlertFollowUpDue, AlertEscalated}
}

// Alert is one notice to staff. To is "supervisors", "user:<id>" (the complaint's
// assignee) or "tier:<tier>" (every agent of the tier's shared queue).
type Alert struct {
	ID          string    `bson:"_id" json:"id"`
	ComplaintID string    `bson:"complaint_id" json:"complaint_id"`
	Kind        string    `bson:"kind" json:"kind"`
	To          string    `bson:"to" json:"to" doc:"supervisors, user:<id> or tier:<L1|L2|L3>"`
	Class       string    `bson:"class" json:"class"`
	Message     string    `bson:"message" json:"message"`
	At          time.Time `bson:"at" json:"at"`
}

// AlertRaised is the data of TypeAlert.
type AlertRaised struct {
	ComplaintID string `json:"complaint_id"`
	Kind        string `json:"kind"`
	To          string `json:"to"`
	Class       string `json:"class"`
	Message     string `json:"message"`
}

// alertEvent addresses an alert about c: breaches and reports go to the supervisors on
// the critical queue, the rest to the assignee or, while unassigned, the tier's queue.
func alertEvent(c *Complaint, kind, msg string) aggregate.Event {
	to, q := ToSupervisors, queue.Critical
	if kind != AlertReported && kind != AlertSLABreach {
		q, to = queue.Notify, alertPrefixTier+c.Tier
		if c.Assignee != "" {
			to = alertPrefixUser + c.Assignee
		}
	}
	return aggregate.NewEvent(TypeAlert, q, AlertRaised{ComplaintID: c.ID, Kind: kind, To: to, Class: c.Class, Message: msg})
}

// HandleAlert files the alert. Its id comes from the event's, so a redelivery files nothing new.
func (s *Service) HandleAlert(ctx context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	var data AlertRaised
	if err := env.Decode(&data); err != nil {
		return err
	}
	a := Alert{ID: alertIDPrefix + env.EventID, ComplaintID: data.ComplaintID, Kind: data.Kind, To: data.To,
		Class: data.Class, Message: data.Message, At: s.clock.Now()}
	if err := s.alerts.Insert(ctx, a); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return err
	}
	s.log.InfoContext(ctx, "complaint alert", "complaint_id", a.ComplaintID, "kind", a.Kind, "to", a.To)
	return nil
}

// AlertFilter narrows the alert list.
type AlertFilter struct {
	Kind        string
	ComplaintID string
}

// ListAlerts returns a page of the alerts p may read, oldest first: supervisors and
// admins read all, an agent those addressed to them or to their tier.
func (s *Service) ListAlerts(ctx context.Context, p auth.Principal, f AlertFilter, page httpx.Page) (httpx.PageResult[Alert], error) {
	filter := bson.D{}
	switch p.Role {
	case auth.RoleSupervisor, auth.RoleAdmin:
	case auth.RoleAgent:
		filter = append(filter, bson.E{Key: "to", Value: bson.D{{Key: "$in", Value: []string{alertPrefixUser + p.UserID, alertPrefixTier + p.Tier}}}})
	default:
		return httpx.PageResult[Alert]{}, apperr.Forbidden("your role may not read complaint alerts")
	}
	if f.Kind != "" {
		bad := apperr.Fields{}
		if !bad.OneOf("kind", f.Kind, AlertKinds()...) {
			return httpx.PageResult[Alert]{}, bad.Err()
		}
		filter = append(filter, bson.E{Key: "kind", Value: f.Kind})
	}
	if f.ComplaintID != "" {
		filter = append(filter, bson.E{Key: "complaint_id", Value: f.ComplaintID})
	}
	var out []Alert
	if err := s.alerts.Find(ctx, page.Filter(filter), &out, page.FindOptions()); err != nil {
		return httpx.PageResult[Alert]{}, err
	}
	return httpx.NewPageResult(out, page.Limit, func(a Alert) string { return a.ID }), nil
}
