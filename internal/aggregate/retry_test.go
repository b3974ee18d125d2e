package aggregate_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

func TestRetryReReadsAfterALostRaceAndStopsOnNoopOrOtherErrors(t *testing.T) {
	ctx := context.Background()
	reads := 0
	load := func(context.Context) (*int, error) { reads++; v := reads; return &v, nil }

	err := aggregate.Retry(ctx, load, func(v *int) error {
		if *v < 3 {
			return apperr.VersionConflict("ticket")
		}
		return nil
	})
	assert.NoError(t, err)
	assert.Equal(t, 3, reads, "each attempt works on a fresh read")

	assert.NoError(t, aggregate.Retry(ctx, load, func(*int) error { return aggregate.ErrNoop }))
	boom := errors.New("boom")
	assert.ErrorIs(t, aggregate.Retry(ctx, load, func(*int) error { return boom }), boom)

	reads = 0
	err = aggregate.Retry(ctx, load, func(*int) error { return apperr.VersionConflict("ticket") })
	assert.ErrorIs(t, err, apperr.ErrVersionConflict, "gives up after a bounded number of lost races")
	assert.Equal(t, 10, reads)
}
