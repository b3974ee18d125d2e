package complaints

import (
	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/internal/aggregate"
)

// Event and task types of the complaints desk.
const (
	TypeSLAWarning  = "complaints:sla_warning"   // timer: a clock reached a warning point
	TypeSLABreach   = "complaints:sla_breach"    // timer: a clock reached its deadline
	TypeFollowUpDue = "complaints:follow_up_due" // timer: the follow-up call is due
	TypeAlert       = "complaints:alert"         // file an alert for staff

	// Handled by the RMA and service-order desks, not here: each asks for work a
	// triage requested. Payloads: RMARequested and ServiceOrderRequested.
	TypeRMARequested          = "complaints:rma_requested"
	TypeServiceOrderRequested = "complaints:service_order_requested"
)

// Register adds the package's task handlers to mux. TypeRMARequested and
// TypeServiceOrderRequested belong to the desks that create the work.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeSLAWarning, s.HandleSLAWarning)
	mux.HandleFunc(TypeSLABreach, s.HandleSLABreach)
	mux.HandleFunc(TypeFollowUpDue, s.HandleFollowUpDue)
	mux.HandleFunc(TypeAlert, s.HandleAlert)
}

func decode(t *asynq.Task, v any) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	return env.Decode(v)
}
