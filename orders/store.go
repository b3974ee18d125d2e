package orders

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
)

// EnsureIndexes creates the indexes of the lists, the board and the offer lookups; it
// runs at every start.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	models := append(aggregate.Indexes(),
		mongox.Index("status", "_id"), mongox.Index("offer_ids"), mongox.Index("offer_outlet_id", "_id"),
		mongox.Index("offer_technician_id", "_id"), mongox.Index("offer_deadline"), mongox.Index("assigned_outlet_id", "_id"),
		mongox.Index("assigned_technician_id", "_id"), mongox.Index("resolve_by"), mongox.Index("customer_id", "_id"),
		mongox.Index("complaint_id", "_id"))
	return s.store.Collection().EnsureIndexes(ctx, models...)
}

// withoutLog leaves out what lists never show.
var withoutLog = bson.D{{Key: "history", Value: 0}, {Key: "outbox", Value: 0}, {Key: "outbox_dead", Value: 0}}

// byOffer finds the order that offer offerID was made for.
func (s *Service) byOffer(ctx context.Context, offerID string) (*ServiceOrder, error) {
	var o ServiceOrder
	err := s.store.Collection().FindOne(ctx, bson.D{{Key: "offer_ids", Value: offerID}}, &o)
	if errors.Is(err, mongox.ErrNotFound) {
		return nil, apperr.NotFound("offer")
	}
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// page reads one page of the orders matching filter, ordered by id.
func (s *Service) page(ctx context.Context, filter bson.D, page httpx.Page) ([]ServiceOrder, error) {
	var docs []ServiceOrder
	err := s.store.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(withoutLog))
	return docs, err
}

// capped reads at most limit orders matching filter in sort order, and how many match.
func (s *Service) capped(ctx context.Context, filter, sort bson.D, limit int) ([]ServiceOrder, int64, error) {
	n, err := s.store.Collection().Count(ctx, filter)
	if err != nil || n == 0 {
		return nil, n, err
	}
	var docs []ServiceOrder
	opts := options.Find().SetSort(sort).SetLimit(int64(limit)).SetProjection(withoutLog)
	err = s.store.Collection().Find(ctx, filter, &docs, opts)
	return docs, n, err
}
