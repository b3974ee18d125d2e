package rma

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/mongox/mongotest"
)

func TestClaimStoreReservesReleasesAndIsIdempotent(t *testing.T) {
	ctx := context.Background()
	c := claims{coll: mongotest.DB(t).Collection(ClaimsCollection)}
	key := claimKey("SO-1", 1)
	a := claimRequest{Key: key, Hold: holdKey("RMA-A", 1), Delivered: 3, Qty: 2, Serials: []string{"S1", "S2"}}
	require.NoError(t, c.claim(ctx, a))
	require.NoError(t, c.claim(ctx, a), "a repeated claim is a no-op")
	d, err := c.get(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, 2, d.Claimed)
	assert.Equal(t, []string{"RMA-A:1"}, d.Holds)

	over := claimRequest{Key: key, Hold: holdKey("RMA-B", 1), Delivered: 3, Qty: 2}
	assert.ErrorIs(t, c.claim(ctx, over), errClaimRefused, "only one unit is left")
	taken := claimRequest{Key: key, Hold: holdKey("RMA-C", 1), Delivered: 3, Qty: 1, Serials: []string{"S2"}}
	assert.ErrorIs(t, c.claim(ctx, taken), errClaimRefused, "S2 is held by RMA-A")
	free := claimRequest{Key: key, Hold: holdKey("RMA-C", 1), Delivered: 3, Qty: 1, Serials: []string{"S3"}}
	require.NoError(t, c.claim(ctx, free))

	require.NoError(t, c.release(ctx, a))
	require.NoError(t, c.release(ctx, a), "a repeated release is a no-op")
	d, err = c.get(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, 1, d.Claimed)
	assert.Equal(t, []string{"RMA-C:1"}, d.Holds)
	assert.Equal(t, []string{"S3"}, d.Serials)
	require.NoError(t, c.claim(ctx, taken.with("RMA-D")), "S2 is free again")
}

func (r claimRequest) with(rmaID string) claimRequest {
	r.Hold = holdKey(rmaID, 1)
	return r
}

func TestClaimStoreLetsExactlyOneOfConcurrentClaimsTakeTheLastUnit(t *testing.T) {
	ctx := context.Background()
	c := claims{coll: mongotest.DB(t).Collection(ClaimsCollection)}
	key := claimKey("SO-1", 1)
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.claim(ctx, claimRequest{Key: key, Hold: holdKey("RMA-"+string(rune('A'+i)), 1), Delivered: 1, Qty: 1})
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
		} else {
			assert.ErrorIs(t, err, errClaimRefused)
		}
	}
	assert.Equal(t, 1, won)
	d, err := c.get(ctx, key)
	require.NoError(t, err)
	assert.Equal(t, 1, d.Claimed)
	assert.Len(t, d.Holds, 1)
}
