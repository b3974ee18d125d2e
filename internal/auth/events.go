package auth

import (
	"context"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/internal/aggregate"
)

// Task types of the user events and the periodic sweep.
const (
	TypeUserCreated        = "auth:user_created"
	TypeUserDisabled       = "auth:user_disabled"
	TypeSweepRefreshTokens = "auth:sweep_refresh_tokens"
)

// UserCreated is the data of TypeUserCreated.
type UserCreated struct {
	UserID string `json:"user_id"`
	Role   string `json:"role"`
}

// UserDisabled is the data of TypeUserDisabled.
type UserDisabled struct {
	UserID string `json:"user_id"`
}

// Register adds the package's task handlers to mux.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeUserCreated, s.HandleUserCreated)
	mux.HandleFunc(TypeUserDisabled, s.HandleUserDisabled)
	mux.HandleFunc(TypeSweepRefreshTokens, s.HandleSweepRefreshTokens)
}

// HandleUserCreated records the new account in the log. Nothing else reacts yet; the
// handler exists so the event is acknowledged and leaves the outbox.
func (s *Service) HandleUserCreated(ctx context.Context, t *asynq.Task) error {
	var data UserCreated
	if err := decode(t, &data); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "user created", "user_id", data.UserID, "role", data.Role)
	return nil
}

// HandleUserDisabled revokes every refresh token of the disabled user, so no session
// outlives the access tokens already issued (at most the access TTL). Revoking twice
// is harmless, which makes redelivery safe.
func (s *Service) HandleUserDisabled(ctx context.Context, t *asynq.Task) error {
	var data UserDisabled
	if err := decode(t, &data); err != nil {
		return err
	}
	return s.refresh.revokeUser(ctx, data.UserID)
}

// HandleSweepRefreshTokens runs SweepExpired; schedule it periodically.
func (s *Service) HandleSweepRefreshTokens(ctx context.Context, _ *asynq.Task) error {
	n, err := s.SweepExpired(ctx)
	if n > 0 {
		s.log.InfoContext(ctx, "expired refresh tokens deleted", "count", n)
	}
	return err
}

func decode(t *asynq.Task, v any) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	return env.Decode(v)
}
