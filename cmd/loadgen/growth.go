package main

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/mongox"
)

// growthStatuses spread the stored orders over their lifecycle; few are open.
var growthStatuses = []string{"closed", "closed", "closed", "closed", "closed", "closed", "verified", "completed", "accepted", "offered"}

// measureGrowth stores n documents shaped like service orders, with the indexes the
// orders store declares for its lists, and times the queries the desks run on them.
func measureGrowth(ctx context.Context, db *mongox.DB, n, reps int, rec *recorder) error {
	coll := db.Mongo().Collection("growth_orders")
	_, err := coll.Indexes().CreateMany(ctx, []mongo.IndexModel{
		{Keys: bson.D{{Key: "status", Value: 1}, {Key: "_id", Value: -1}}},
		{Keys: bson.D{{Key: "outlet_id", Value: 1}, {Key: "_id", Value: -1}}},
		{Keys: bson.D{{Key: "complaint_id", Value: 1}}},
	})
	if err != nil {
		return err
	}
	start := time.Now()
	for i := 0; i < n; i += 1000 {
		batch := make([]any, 0, 1000)
		for k := i; k < min(i+1000, n); k++ {
			batch = append(batch, bson.D{{Key: "_id", Value: fmt.Sprintf("SO-%09d", k)}, {Key: "version", Value: int64(1)},
				{Key: "status", Value: growthStatuses[k%len(growthStatuses)]}, {Key: "outlet_id", Value: fmt.Sprintf("OUT-%03d", k%300)},
				{Key: "complaint_id", Value: fmt.Sprintf("CMP-%09d", k)}, {Key: "notes", Value: "stored order for the growth measurement"},
				{Key: "history", Value: bson.A{bson.D{{Key: "action", Value: "created"}}, bson.D{{Key: "action", Value: "offered"}}}}})
		}
		if _, err := coll.InsertMany(ctx, batch); err != nil {
			return err
		}
	}
	rec.add(fmt.Sprintf("growth %d: bulk load", n), time.Since(start), "ok", false)
	list := options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(50)
	queries := []struct {
		name string
		run  func(i int) error
	}{
		{"get by id", func(i int) error {
			return coll.FindOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("SO-%09d", (i*7919)%n)}}).Err()
		}},
		{"list status=offered (50)", func(int) error { return drain(coll.Find(ctx, bson.D{{Key: "status", Value: "offered"}}, list)) }},
		{"list outlet_id (50)", func(i int) error {
			return drain(coll.Find(ctx, bson.D{{Key: "outlet_id", Value: fmt.Sprintf("OUT-%03d", i%300)}}, list))
		}},
		{"count status=offered", func(int) error {
			_, err := coll.CountDocuments(ctx, bson.D{{Key: "status", Value: "offered"}})
			return err
		}},
		{"conditional update", func(i int) error {
			_, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("SO-%09d", (i*104729)%n)}, {Key: "version", Value: int64(1)}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}})
			return err
		}},
	}
	for _, q := range queries {
		for i := range reps {
			t := time.Now()
			if err := q.run(i); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			rec.add(fmt.Sprintf("growth %d: %s", n, q.name), time.Since(t), "ok", false)
		}
	}
	return nil
}

func drain(cur *mongo.Cursor, err error) error {
	if err != nil {
		return err
	}
	var docs []bson.M
	return cur.All(context.Background(), &docs)
}
