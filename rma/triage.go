package rma

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/registry"
)

// conditionOfTriage is the condition assumed for goods a triage sends back: the agent
// did not record one, and "opened" is what a customer who complains has usually done.
const conditionOfTriage = ConditionOpened

// HandleRMARequested opens the RMA a complaint's triage asked for and links it to the
// complaint. It is idempotent on the request id (a unique index): a redelivery finds
// the RMA it created and only links it again. A request the desk cannot honour (no
// such line, nothing left to return) still becomes an RMA, rejected by the system with
// the reason, so the complaint learns why and goes back to its agents.
func (s *Service) HandleRMARequested(ctx context.Context, t *asynq.Task) error {
	var req complaints.RMARequested
	if err := decode(t, &req); err != nil {
		return err
	}
	if req.RequestID == "" || req.ComplaintID == "" {
		return fmt.Errorf("rma request without request or complaint id: %w", asynq.SkipRetry)
	}
	r, err := s.byRequest(ctx, req.RequestID)
	if errors.Is(err, apperr.ErrNotFound) {
		r, err = s.openRequested(ctx, req)
	}
	if err != nil {
		return err
	}
	if r.ClaimsPending {
		if err := s.checkClaims(ctx, r.ID); err != nil {
			return err
		}
	}
	err = s.cases.LinkWork(ctx, req.ComplaintID, req.RequestID, r.ID)
	return s.permanent(ctx, err, Ended{RMAID: r.ID, ComplaintID: req.ComplaintID})
}

func (s *Service) byRequest(ctx context.Context, requestID string) (*RMA, error) {
	var r RMA
	if err := s.store.Collection().FindOne(ctx, bson.D{{Key: "request_id", Value: requestID}}, &r); err != nil {
		return nil, findErr(err)
	}
	return &r, nil
}

// openRequested creates the RMA of req and reserves its lines.
func (s *Service) openRequested(ctx context.Context, req complaints.RMARequested) (*RMA, error) {
	in, err := s.requestInput(ctx, req)
	var r *RMA
	if err == nil {
		r, err = s.draft(ctx, in)
	}
	var refused *apperr.Error
	if errors.As(err, &refused) {
		return s.refuseRequest(ctx, req, refused)
	}
	if err != nil {
		return nil, err
	}
	r.ID, r.RequestID, r.CreatedBy = ids.New("RMA"), req.RequestID, aggregate.System.ID
	if err := s.insert(ctx, aggregate.System, r); errors.Is(err, apperr.ErrConflict) {
		return s.byRequest(ctx, req.RequestID) // a concurrent delivery created it
	} else if err != nil {
		return nil, err
	}
	if err := s.reserve(ctx, r); errors.Is(err, apperr.ErrConflict) {
		return r, s.systemReject(ctx, r.ID, apperr.Public(err))
	} else if err != nil {
		return nil, err
	}
	return s.load(ctx, r.ID)
}

// requestInput turns a triage request into the lines of an RMA. Without lines, the
// complaint's unit is the one coming back. The reason code follows from the type.
func (s *Service) requestInput(ctx context.Context, req complaints.RMARequested) (CreateInput, error) {
	in := CreateInput{Type: req.Type, CustomerID: req.CustomerID, ComplaintID: req.ComplaintID,
		ReasonCode: requestReason(req), Reason: strings.TrimSpace(req.Reason)}
	var unit *registry.Unit
	if req.Serial != "" {
		u, err := s.dir.Unit(ctx, req.Serial)
		if err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return in, err
		}
		if err == nil && u.SalesOrderID == req.SalesOrderID {
			unit = &u
		}
	}
	for _, l := range req.Lines {
		li := LineInput{SalesOrderID: req.SalesOrderID, OrderLineNo: l.LineNo, Qty: l.Qty, Condition: conditionOfTriage}
		if unit != nil && unit.LineNo == l.LineNo && l.Qty == 1 {
			li.Serials = []string{unit.Serial}
		}
		in.Lines = append(in.Lines, li)
	}
	if len(req.Lines) == 0 && unit != nil {
		in.Lines = []LineInput{{SalesOrderID: req.SalesOrderID, OrderLineNo: unit.LineNo, Qty: 1,
			Serials: []string{unit.Serial}, Condition: conditionOfTriage}}
	}
	if in.Reason == "" {
		in.Reason = "requested by complaint " + req.ComplaintID
	}
	return in, in.Validate()
}

// requestReason infers the reason code a triage did not give: a serious complaint is
// about a loss (defect, damage, wrong or missing goods), anything else is a change of mind.
func requestReason(req complaints.RMARequested) string {
	switch Type(req.Type) {
	case TypeRefundOnly:
		return ReasonMissingItem
	case TypeExchange, TypeDepotRepair:
		return ReasonQuality
	}
	if req.Class == "serious" {
		return ReasonQuality
	}
	return ReasonNoReason
}

// refuseRequest records a request the desk cannot honour as a rejected RMA.
func (s *Service) refuseRequest(ctx context.Context, req complaints.RMARequested, why *apperr.Error) (*RMA, error) {
	now := s.clock.Now()
	reason := why.Message
	for k, v := range why.Details {
		reason += "; " + k + ": " + v
	}
	r := &RMA{ID: ids.New("RMA"), RequestID: req.RequestID, Type: Type(req.Type), Status: StatusRejected,
		CustomerID: req.CustomerID, ComplaintID: req.ComplaintID, SalesOrderIDs: []string{req.SalesOrderID},
		Serials: []string{}, Lines: []Line{}, Reason: req.Reason, CreatedBy: aggregate.System.ID,
		Outcome: OutcomeRejected, EndReason: reason, EndedAt: &now}
	ended := aggregate.NewEvent(TypeCancelled, queue.Default, Ended{RMAID: r.ID, ComplaintID: req.ComplaintID,
		RequestID: req.RequestID, Outcome: OutcomeRejected, Reason: reason})
	err := s.store.Create(ctx, r.ID, r, aggregate.Entry{Actor: aggregate.System.ID, Role: aggregate.System.Role,
		Action: string(actReject), To: string(StatusRejected), Note: reason}, ended)
	if errors.Is(err, apperr.ErrConflict) {
		return s.byRequest(ctx, req.RequestID)
	}
	return r, err
}
