package rma

import (
	"context"
	"errors"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// Event and task types of the RMA desk.
const (
	TypeClaimsCheck    = "rma:claims_check"    // timer: finish or undo the claims of a new RMA
	TypeRoute          = "rma:route"           // pick the receiving warehouse of an approved RMA
	TypeClose          = "rma:close"           // close an RMA whose last step is done
	TypeClosed         = "rma:closed"          // an RMA closed (completed or refused): tell its complaint
	TypeCancelled      = "rma:cancelled"       // an RMA was rejected or cancelled: tell its complaint
	TypeRelease        = "rma:release"         // give an ended RMA's quantities back
	TypeRefundRecorded = "rma:refund_recorded" // file the refund record for finance
)

// Ref names the RMA an event is about.
type Ref struct {
	RMAID string `json:"rma_id"`
}

// Ended is the data of TypeClosed and TypeCancelled.
type Ended struct {
	RMAID       string `json:"rma_id"`
	ComplaintID string `json:"complaint_id,omitempty"`
	RequestID   string `json:"request_id,omitempty"`
	Outcome     string `json:"outcome" doc:"completed, refused, rejected or cancelled"`
	Reason      string `json:"reason,omitempty"`
}

// Register adds the desk's task handlers to mux.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(complaints.TypeRMARequested, s.HandleRMARequested)
	mux.HandleFunc(TypeClaimsCheck, withRef(s.checkClaims))
	mux.HandleFunc(TypeRoute, withRef(s.route))
	mux.HandleFunc(TypeClose, withRef(s.close))
	mux.HandleFunc(TypeRelease, withRef(s.release))
	mux.HandleFunc(TypeRefundRecorded, withRef(s.fileRefund))
	mux.HandleFunc(TypeClosed, s.HandleEnded)
	mux.HandleFunc(TypeCancelled, s.HandleEnded)
}

// withRef adapts a handler of an RMA id to a task handler.
func withRef(h func(ctx context.Context, id string) error) func(context.Context, *asynq.Task) error {
	return func(ctx context.Context, t *asynq.Task) error {
		var ref Ref
		if err := decode(t, &ref); err != nil {
			return err
		}
		return h(ctx, ref.RMAID)
	}
}

func decode(t *asynq.Task, v any) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	return env.Decode(v)
}

// HandleEnded tells the complaint an RMA answered that it has ended: done when it was
// completed, cancelled otherwise. An RMA opened directly with a complaint_id was never
// awaited by that complaint; the complaint has no linked work for it, which is fine.
func (s *Service) HandleEnded(ctx context.Context, t *asynq.Task) error {
	var e Ended
	if err := decode(t, &e); err != nil {
		return err
	}
	if e.ComplaintID == "" {
		return nil
	}
	if e.RequestID != "" && e.RequestID != e.RMAID {
		if err := s.cases.LinkWork(ctx, e.ComplaintID, e.RequestID, e.RMAID); s.permanent(ctx, err, e) != nil {
			return err
		}
	}
	var err error
	if e.Outcome == OutcomeCompleted {
		err = s.cases.WorkDone(ctx, e.ComplaintID, e.RMAID)
	} else {
		err = s.cases.WorkCancelled(ctx, e.ComplaintID, e.RMAID, "RMA "+e.Outcome+": "+e.Reason)
	}
	return s.permanent(ctx, err, e)
}

// permanent logs and drops answers no retry can change (no such work, a complaint that
// moved on) and returns anything else.
func (s *Service) permanent(ctx context.Context, err error, e Ended) error {
	if errors.Is(err, apperr.ErrNotFound) || errors.Is(err, apperr.ErrConflict) {
		s.log.InfoContext(ctx, "complaint not told of an RMA's end", "rma_id", e.RMAID, "complaint_id", e.ComplaintID, "err", err)
		return nil
	}
	return err
}

// release gives back the quantities of an ended RMA; repeating it changes nothing.
func (s *Service) release(ctx context.Context, id string) error {
	r, err := s.load(ctx, id)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, l := range r.Lines {
		if err := s.claims.release(ctx, l.claim(r.ID)); err != nil {
			return err
		}
	}
	return nil
}
