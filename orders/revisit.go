package orders

import (
	"context"
	"errors"
	"strings"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/queue"
)

// TypeRevisitRequested creates the follow-up order of an order that needs another
// visit. The request that marks the order creates it at once; the event repeats that
// (idempotently) in case the process died in between.
const TypeRevisitRequested = "orders:revisit_requested"

// RevisitRequested is the data of TypeRevisitRequested.
type RevisitRequested struct {
	OrderID   string `json:"order_id"`
	RevisitID string `json:"revisit_id"`
}

// RevisitInput says why the work needs another visit.
type RevisitInput struct {
	Reason string `json:"reason" doc:"e.g. part not in the van, fault came back; at most 1000 characters"`
}

// Validate requires a reason.
func (in RevisitInput) Validate() error { return requireText("reason", in.Reason, maxText) }

// Revisit marks order id as not fixed on this visit: the assigned technician while on
// site, or a dispatcher on site or at verification. A linked follow-up order (revisit_of)
// goes to dispatch, and the first order no longer counts as a first-time fix.
func (s *Service) Revisit(ctx context.Context, p auth.Principal, id string, in RevisitInput) (*ServiceOrder, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	o, err := s.worker(ctx, p, id)
	if err != nil {
		return nil, err
	}
	revisitID := ids.New("SO")
	reason := strings.TrimSpace(in.Reason)
	set := bson.D{{Key: "revisit_id", Value: revisitID}, {Key: "revisit_reason", Value: reason}}
	if o.RevisitOf == "" {
		set = append(set, bson.E{Key: "first_time_fix", Value: false})
	}
	err = s.move(ctx, p.Actor(), o, actRevisit, change{set: set, note: reason + "; follow-up " + revisitID,
		events: []aggregate.Event{aggregate.NewEvent(TypeRevisitRequested, queue.Dispatch, RevisitRequested{OrderID: o.ID, RevisitID: revisitID})}})
	if err != nil {
		return nil, err
	}
	s.addLoad(ctx, o.slot(), -1)
	o.RevisitID, o.RevisitNote = revisitID, reason
	if err := s.createRevisit(ctx, o); err != nil {
		s.log.WarnContext(ctx, "follow-up order not created yet; its event will", "order_id", id, "err", err)
	}
	return s.load(ctx, id)
}

// HandleRevisitRequested creates the follow-up order if the request did not.
func (s *Service) HandleRevisitRequested(ctx context.Context, t *asynq.Task) error {
	var data RevisitRequested
	if err := decode(t, &data); err != nil {
		return err
	}
	o, err := s.load(ctx, data.OrderID)
	if notFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if o.RevisitID != data.RevisitID {
		return nil
	}
	return s.createRevisit(ctx, o)
}

// createRevisit creates o's follow-up order with id o.RevisitID; it is idempotent.
func (s *Service) createRevisit(ctx context.Context, o *ServiceOrder) error {
	f := ServiceOrder{ID: o.RevisitID, Type: o.Type, Status: StatusCreated, Priority: o.Priority,
		ComplaintID: o.ComplaintID, ComplaintRef: o.ComplaintRef, CustomerID: o.CustomerID, CustomerName: o.CustomerName,
		CustomerPhone: o.CustomerPhone, Unit: o.Unit, Serial: o.Serial, Category: o.Category, Brand: o.Brand,
		Skills: o.Skills, Site: o.Site, ResolveBy: o.ResolveBy, Notes: "revisit of " + o.ID + ": " + o.RevisitNote,
		RevisitOf: o.ID, Offers: []dispatch.Offer{}, OfferIDs: []string{}, Excluded: []string{}, Visits: []Visit{}}
	err := s.create(ctx, aggregate.System, f, "revisit of "+o.ID)
	if errors.Is(err, apperr.ErrConflict) {
		return nil
	}
	return err
}
