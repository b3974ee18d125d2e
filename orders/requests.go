package orders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// requestOrderID is the id of the order made for a complaint's work request: derived
// from the request id, so a redelivered request finds the order it already made.
func requestOrderID(requestID string) string {
	return "SO-" + strings.TrimPrefix(requestID, "WRQ-")
}

// urgentClasses are complaint classes whose service orders are dispatched as urgent:
// their resolution clocks are the shortest, or the complaint is public.
var urgentClasses = []string{complaints.ClassSystemFault, complaints.ClassPublicOpinion}

// HandleServiceOrderRequested creates the order a complaint's triage asked for and links
// it back to the complaint. It is idempotent: the order's id comes from the request id.
func (s *Service) HandleServiceOrderRequested(ctx context.Context, t *asynq.Task) error {
	var req complaints.ServiceOrderRequested
	if err := decode(t, &req); err != nil {
		return err
	}
	if req.ComplaintID == "" || req.RequestID == "" {
		return fmt.Errorf("service-order request without complaint or request id: %w", asynq.SkipRetry)
	}
	id := requestOrderID(req.RequestID)
	if _, err := s.load(ctx, id); notFound(err) {
		o, err := s.fromRequest(ctx, id, req)
		if err != nil {
			return err
		}
		err = s.create(ctx, aggregate.System, o, "requested by complaint "+req.ComplaintID)
		if err != nil && !errors.Is(err, apperr.ErrConflict) {
			return err
		}
	} else if err != nil {
		return err
	}
	return s.complaints.LinkWork(ctx, req.ComplaintID, req.RequestID, id)
}

// fromRequest builds the order for req with what the registry knows. It never refuses
// for missing details: an order the engine cannot dispatch (no unit, no address) is
// escalated to a dispatcher with the reason, which is better than losing the request.
func (s *Service) fromRequest(ctx context.Context, id string, req complaints.ServiceOrderRequested) (ServiceOrder, error) {
	c, err := s.dir.Customer(ctx, req.CustomerID)
	if notFound(err) {
		return ServiceOrder{}, fmt.Errorf("customer %s of complaint %s: %w", req.CustomerID, req.ComplaintID, asynq.SkipRetry)
	} else if err != nil {
		return ServiceOrder{}, err
	}
	d := draft{typ: req.Type, priority: PriorityNormal, notes: req.Notes, customer: c}
	if slices.Contains(urgentClasses, req.Class) {
		d.priority = PriorityUrgent
	}
	if !req.ResolutionDue.IsZero() {
		due := req.ResolutionDue.UTC()
		d.resolveBy = &due
	}
	if a, ok := c.DefaultAddress(); ok {
		d.site = siteOf(a)
	}
	if req.Serial != "" {
		f := apperr.Fields{}
		if err := s.lookUpUnit(ctx, f, &d, req.Serial); err != nil {
			return ServiceOrder{}, err
		}
		if len(f) > 0 {
			s.log.WarnContext(ctx, "complaint names a unit the registry does not give the customer",
				"complaint_id", req.ComplaintID, "serial", req.Serial)
		}
	}
	o := s.newOrder(id, d)
	o.ComplaintID, o.RequestID, o.ComplaintRef = req.ComplaintID, req.RequestID, id
	if o.Type == "" {
		o.Type = TypeRepair
	}
	return o, nil
}

func decode(t *asynq.Task, v any) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	return env.Decode(v)
}
