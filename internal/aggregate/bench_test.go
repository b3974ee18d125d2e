package aggregate_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
	"github.com/aftersales/aftersales/internal/queue"
)

// BenchmarkApply measures one state change (conditional update with version, history
// and one outbox event) against the test database: embedded FerretDB unless MONGO_URI
// or FERRETDB_POSTGRESQL_URL say otherwise. The collection holds docs aggregates.
func BenchmarkApply(b *testing.B) {
	for _, docs := range []int{100, 1000} {
		b.Run(benchName(docs), func(b *testing.B) {
			db := mongotest.DB(b)
			s := aggregate.NewStore(db, "tickets", "ticket", nil, clock.Real{})
			ctx := context.Background()
			idList := make([]string, docs)
			versions := make([]int64, docs)
			for i := range idList {
				idList[i] = ids.New("TKT")
				versions[i] = 1
				require.NoError(b, s.Create(ctx, idList[i], ticket{ID: idList[i], Status: "open"}, aggregate.Entry{Action: "create"}))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				k := i % docs
				err := s.Apply(ctx, aggregate.Change{ID: idList[k], Version: versions[k],
					Set:    bson.D{{Key: "status", Value: "step"}},
					Entry:  aggregate.Entry{Actor: "bench", Role: "agent", Action: "step"},
					Events: []aggregate.Event{aggregate.NewEvent(typeOpened, queue.Default, k)}})
				if err != nil {
					b.Fatal(err)
				}
				versions[k]++
			}
		})
	}
}

func benchName(docs int) string {
	if docs >= 1000 {
		return "docs=1k"
	}
	return "docs=100"
}
