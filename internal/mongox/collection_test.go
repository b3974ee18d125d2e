package mongox_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
)

func TestUniqueViolationIsErrDuplicateOnInsertAndUpdate(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	c := db.Collection("people")
	require.NoError(t, c.EnsureIndexes(ctx, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true)}))
	require.NoError(t, c.Insert(ctx, bson.M{"_id": "a", "email": "a@x"}))
	require.NoError(t, c.Insert(ctx, bson.M{"_id": "b", "email": "b@x"}))

	assert.ErrorIs(t, c.Insert(ctx, bson.M{"_id": "a", "email": "z@x"}), mongox.ErrDuplicate)
	assert.ErrorIs(t, c.Insert(ctx, bson.M{"_id": "c", "email": "a@x"}), mongox.ErrDuplicate)
	_, err := c.UpdateByID(ctx, "b", nil, bson.M{"$set": bson.M{"email": "a@x"}})
	assert.ErrorIs(t, err, mongox.ErrDuplicate)
}

func TestEnsureIndexesIsIdempotent(t *testing.T) {
	db := mongotest.DB(t)
	c := db.Collection("things")
	models := []mongo.IndexModel{{Keys: bson.D{{Key: "a", Value: 1}}}, {Keys: bson.D{{Key: "b", Value: 1}}}}
	for i := 0; i < 3; i++ {
		require.NoError(t, c.EnsureIndexes(context.Background(), models...), "start-up %d", i)
	}
}

// The lock table is what makes a conditional update exclusive on FerretDB.
func TestConditionalIncNeverGoesNegativeUnderConcurrency(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	c := db.Collection("stock")
	require.NoError(t, c.Insert(ctx, bson.M{"_id": "s", "qty": 10}))
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := c.UpdateByID(ctx, "s", bson.D{{Key: "qty", Value: bson.D{{Key: "$gte", Value: 1}}}}, bson.M{"$inc": bson.M{"qty": -1}})
			assert.NoError(t, err)
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	var doc struct{ Qty int }
	require.NoError(t, c.FindByID(ctx, "s", &doc))
	assert.Equal(t, int32(10), wins.Load())
	assert.Equal(t, 0, doc.Qty)
}
