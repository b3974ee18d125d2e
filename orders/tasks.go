package orders

import (
	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/dispatch"
)

// Register adds the package's task handlers to mux: the complaint's request, the offer
// flow's tasks (named by dispatch, handled here because they change the order), and the
// order's own events. TypeCompleted is not registered: fees and parts consume it, and
// the server registers one handler that hands it to both.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(complaints.TypeServiceOrderRequested, s.HandleServiceOrderRequested)
	mux.HandleFunc(dispatch.TypeAssign, s.HandleAssign)
	mux.HandleFunc(dispatch.TypeOfferExpire, s.HandleOfferExpire)
	mux.HandleFunc(TypeEscalated, s.HandleEscalated)
	mux.HandleFunc(TypeRevisitRequested, s.HandleRevisitRequested)
	mux.HandleFunc(TypeEnded, s.HandleEnded)
}
