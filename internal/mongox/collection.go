package mongox

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collection wraps a mongo collection. Reads go straight to the driver; writes that
// change an existing document go through the lock table on FerretDB.
type Collection struct {
	c     *mongo.Collection
	locks *lockTable
	key   string
}

// Name is the collection's name.
func (c *Collection) Name() string { return c.c.Name() }

// Mongo is the driver's collection, for reads.
func (c *Collection) Mongo() *mongo.Collection { return c.c }

// Insert inserts doc; a unique-key clash returns ErrDuplicate.
func (c *Collection) Insert(ctx context.Context, doc any) error {
	_, err := c.c.InsertOne(ctx, doc)
	return wrap(err)
}

// FindByID decodes the document with _id id into out, or returns ErrNotFound.
func (c *Collection) FindByID(ctx context.Context, id string, out any) error {
	return c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, out)
}

// FindOne decodes the first document matching filter into out, or returns ErrNotFound.
func (c *Collection) FindOne(ctx context.Context, filter any, out any, opts ...options.Lister[options.FindOneOptions]) error {
	return wrap(c.c.FindOne(ctx, filter, opts...).Decode(out))
}

// Find decodes every document matching filter into out, a pointer to a slice.
func (c *Collection) Find(ctx context.Context, filter any, out any, opts ...options.Lister[options.FindOptions]) error {
	cur, err := c.c.Find(ctx, filter, opts...)
	if err != nil {
		return wrap(err)
	}
	return wrap(cur.All(ctx, out))
}

// Count counts documents matching filter.
func (c *Collection) Count(ctx context.Context, filter any) (int64, error) {
	n, err := c.c.CountDocuments(ctx, filter)
	return n, wrap(err)
}

// UpdateByID applies update to the document with _id id that also matches cond.
// It reports whether a document matched. This is the one path for conditional updates.
func (c *Collection) UpdateByID(ctx context.Context, id string, cond bson.D, update any) (bool, error) {
	filter := append(bson.D{{Key: "_id", Value: id}}, cond...)
	unlock := c.locks.lockDoc(c.key, id)
	defer unlock()
	res, err := c.c.UpdateOne(ctx, filter, update)
	if err != nil {
		return false, wrap(err)
	}
	return res.MatchedCount == 1, nil
}

// UpsertByID updates or inserts the document with _id id.
func (c *Collection) UpsertByID(ctx context.Context, id string, update any) error {
	unlock := c.locks.lockDoc(c.key, id)
	defer unlock()
	_, err := c.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, update, options.UpdateOne().SetUpsert(true))
	return wrap(err)
}

// UpdateMany applies update to every document matching filter; on FerretDB it excludes
// every single-document write on the collection meanwhile.
func (c *Collection) UpdateMany(ctx context.Context, filter any, update any) (int64, error) {
	unlock := c.locks.lockAll(c.key)
	defer unlock()
	res, err := c.c.UpdateMany(ctx, filter, update)
	if err != nil {
		return 0, wrap(err)
	}
	return res.ModifiedCount, nil
}

// DeleteByID deletes the document with _id id that also matches cond, reporting whether one did.
func (c *Collection) DeleteByID(ctx context.Context, id string, cond bson.D) (bool, error) {
	filter := append(bson.D{{Key: "_id", Value: id}}, cond...)
	unlock := c.locks.lockDoc(c.key, id)
	defer unlock()
	res, err := c.c.DeleteOne(ctx, filter)
	if err != nil {
		return false, wrap(err)
	}
	return res.DeletedCount == 1, nil
}

// DeleteMany deletes every document matching filter.
func (c *Collection) DeleteMany(ctx context.Context, filter any) (int64, error) {
	unlock := c.locks.lockAll(c.key)
	defer unlock()
	res, err := c.c.DeleteMany(ctx, filter)
	if err != nil {
		return 0, wrap(err)
	}
	return res.DeletedCount, nil
}

// EnsureIndexes creates the indexes; creating an existing identical index is a no-op,
// so this runs at every start-up. One index per call: FerretDB v1.24 drops the
// connection when one createIndexes call names two or more indexes that already exist.
func (c *Collection) EnsureIndexes(ctx context.Context, models ...mongo.IndexModel) error {
	for _, m := range models {
		if _, err := c.c.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("indexes on %s: %w", c.Name(), err)
		}
	}
	return nil
}

func wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mongo.ErrNoDocuments):
		return ErrNotFound
	case mongo.IsDuplicateKeyError(err), isFerretUniqueViolation(err):
		return fmt.Errorf("%w: %v", ErrDuplicate, err)
	default:
		return err
	}
}

// isFerretUniqueViolation recognises FerretDB's answer to an update that breaks a unique
// index: its SQLite backend reports the SQLite error as InternalError instead of E11000.
func isFerretUniqueViolation(err error) bool {
	return strings.Contains(err.Error(), "UNIQUE constraint failed") ||
		strings.Contains(err.Error(), "duplicate key value violates unique constraint")
}

// Index is an ascending index on keys, in order: the index every list and lookup uses.
func Index(keys ...string) mongo.IndexModel {
	d := bson.D{}
	for _, k := range keys {
		d = append(d, bson.E{Key: k, Value: 1})
	}
	return mongo.IndexModel{Keys: d}
}
