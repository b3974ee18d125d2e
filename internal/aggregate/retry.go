package aggregate

import (
	"context"
	"errors"

	"github.com/aftersales/aftersales/internal/apperr"
)

// ErrNoop tells Retry that a change is no longer needed: the world moved on.
var ErrNoop = errors.New("aggregate: nothing to do")

// Retry runs step on a fresh read until it lands (nil), is no longer needed (ErrNoop),
// or fails for another reason than a lost race. Workers and other domains use it: they
// have no user to send a 409 to. load reads the aggregate as the domain sees it.
func Retry[T any](ctx context.Context, load func(ctx context.Context) (*T, error), step func(*T) error) error {
	var err error
	for range 10 {
		var v *T
		if v, err = load(ctx); err != nil {
			return err
		}
		err = step(v)
		if errors.Is(err, ErrNoop) {
			return nil
		}
		if !errors.Is(err, apperr.ErrVersionConflict) {
			return err
		}
	}
	return err
}
