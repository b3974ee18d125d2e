package parts

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
)

// EnsureIndexes creates every index the package queries by; every queried field is a
// top-level scalar (or, for transfers' parties, an array of strings).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	uniqueLeg := mongo.IndexModel{Keys: bson.D{{Key: "op", Value: 1}, {Key: "leg", Value: 1}},
		Options: options.Index().SetName("op_leg_unique").SetUnique(true)}
	plan := []struct {
		coll   *mongox.Collection
		models []mongo.IndexModel
	}{
		{s.catalog.Collection(), aggregate.Indexes()},
		{s.requisitions.Collection(), append(aggregate.Indexes(), mongox.Index("status"), mongox.Index("warehouse_id"),
			mongox.Index("technician_id"), mongox.Index("outlet_id"), mongox.Index("issued_at"), mongox.Index("created_at"))},
		{s.transfers.Collection(), append(aggregate.Indexes(), mongox.Index("parties"), mongox.Index("status"))},
		{s.consumptions.Collection(), append(aggregate.Indexes(), mongox.Index("defective_serial"), mongox.Index("technician_id"),
			mongox.Index("outlet_id"), mongox.Index("order_id"), mongox.Index("consumed_at"), mongox.Index("defective_due_at"))},
		{s.ledger.stock, []mongo.IndexModel{mongox.Index("location"), mongox.Index("outlet_id")}},
		{s.ledger.serials, []mongo.IndexModel{mongox.Index("location"), mongox.Index("outlet_id")}},
		{s.ledger.entries, []mongo.IndexModel{uniqueLeg, mongox.Index("state", "at"), mongox.Index("batch"), mongox.Index("location"), mongox.Index("ref"), mongox.Index("serial")}},
		{s.returns, []mongo.IndexModel{mongox.Index("serial"), mongox.Index("technician_id"), mongox.Index("at")}},
		{s.flags, []mongo.IndexModel{mongox.Index("kind"), mongox.Index("technician_id"), mongox.Index("outlet_id"), mongox.Index("raised_at")}},
	}
	for _, p := range plan {
		if err := p.coll.EnsureIndexes(ctx, p.models...); err != nil {
			return err
		}
	}
	return nil
}

// findPage lists docs of coll matching filter, one page ordered by _id.
func findPage[D any, V any](ctx context.Context, coll *mongox.Collection, filter bson.D, page httpx.Page,
	view func(D) V, idOf func(V) string) (httpx.PageResult[V], error) {
	var docs []D
	if err := coll.Find(ctx, page.Filter(filter), &docs, page.FindOptions()); err != nil {
		return httpx.PageResult[V]{}, err
	}
	out := make([]V, len(docs))
	for i, d := range docs {
		out[i] = view(d)
	}
	return httpx.NewPageResult(out, page.Limit, idOf), nil
}

// load reads one document or answers not-found naming what.
func load(ctx context.Context, coll *mongox.Collection, id, what string, out any) error {
	err := coll.FindByID(ctx, id, out)
	if errors.Is(err, mongox.ErrNotFound) {
		return apperr.NotFound(what)
	}
	return err
}
