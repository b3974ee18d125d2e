package dispatch

import (
	"context"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/queue"
)

// TypeNetworkChanged is queued with every change of a warehouse, outlet or technician.
const TypeNetworkChanged = "network:changed"

// NetworkChanged is the data of TypeNetworkChanged.
type NetworkChanged struct {
	Kind   string `json:"kind"` // warehouse, outlet, technician
	ID     string `json:"id"`
	Action string `json:"action"`
}

func networkChanged(kind, id, action string) aggregate.Event {
	return aggregate.NewEvent(TypeNetworkChanged, queue.Dispatch, NetworkChanged{Kind: kind, ID: id, Action: action})
}

// Register adds the package's task handlers to mux.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeNetworkChanged, s.HandleNetworkChanged)
}

// HandleNetworkChanged bumps the network version, which every process's Watch compares
// with its index's, and refreshes this process's index. The event is written in the
// same update as the change, so the bump cannot be lost; a redelivery bumps again,
// which costs one extra reload and nothing else.
func (s *Service) HandleNetworkChanged(ctx context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	var data NetworkChanged
	if err := env.Decode(&data); err != nil {
		return err
	}
	if err := s.bumpNetworkVersion(ctx); err != nil {
		return err
	}
	_, err = s.RefreshIfChanged(ctx)
	return err
}
