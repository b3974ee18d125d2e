package rma

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/mongox"
)

// ClaimsCollection holds one document per sales-order line that an RMA ever claimed:
// how many units were delivered and how many open or closed RMAs hold.
const ClaimsCollection = "rma_line_claims"

// claimDoc counts what RMAs hold of one sales-order line. Holds names every RMA line
// holding units ("<rma id>:<line no>"), so a repeated claim or release changes nothing;
// Serials lists the serials named by those RMA lines, each held once.
type claimDoc struct {
	ID        string   `bson:"_id"` // <sales order id>#<line no>
	Delivered int      `bson:"delivered"`
	Claimed   int      `bson:"claimed"`
	Holds     []string `bson:"holds"`
	Serials   []string `bson:"serials"`
}

// claimKey is the claim document of a sales-order line.
func claimKey(salesOrderID string, lineNo int) string {
	return fmt.Sprintf("%s#%d", salesOrderID, lineNo)
}

// holdKey names one RMA line in the claim documents.
func holdKey(rmaID string, lineNo int) string { return fmt.Sprintf("%s:%d", rmaID, lineNo) }

// claims reserves and releases returnable quantity. Every change is one conditional
// update of one claim document, so two RMAs racing for the last unit cannot both win.
type claims struct{ coll *mongox.Collection }

// errClaimRefused is returned when the line has not enough unclaimed units left, or one
// of the named serials is already held by another RMA.
var errClaimRefused = errors.New("rma: claim refused")

// claimRequest is what one RMA line asks of its sales-order line.
type claimRequest struct {
	Key       string
	Hold      string
	Delivered int
	Qty       int
	Serials   []string
}

// claim reserves r. It succeeds without change when r's hold is already recorded.
func (c claims) claim(ctx context.Context, r claimRequest) error {
	if err := c.ensure(ctx, r.Key, r.Delivered); err != nil {
		return err
	}
	cond := bson.D{{Key: "claimed", Value: bson.D{{Key: "$lte", Value: r.Delivered - r.Qty}}},
		{Key: "holds", Value: bson.D{{Key: "$ne", Value: r.Hold}}}}
	push := bson.D{{Key: "holds", Value: r.Hold}}
	if len(r.Serials) > 0 {
		cond = append(cond, bson.E{Key: "serials", Value: bson.D{{Key: "$nin", Value: r.Serials}}})
		push = append(push, bson.E{Key: "serials", Value: bson.D{{Key: "$each", Value: r.Serials}}})
	}
	ok, err := c.coll.UpdateByID(ctx, r.Key, cond, bson.D{
		{Key: "$inc", Value: bson.D{{Key: "claimed", Value: r.Qty}}}, {Key: "$push", Value: push}})
	if err != nil || ok {
		return err
	}
	held, err := c.holds(ctx, r.Key, r.Hold)
	if err != nil || held {
		return err
	}
	return errClaimRefused
}

// ensure creates the claim document of a line on its first claim.
func (c claims) ensure(ctx context.Context, key string, delivered int) error {
	update := bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "delivered", Value: delivered},
		{Key: "claimed", Value: 0}, {Key: "holds", Value: bson.A{}}, {Key: "serials", Value: bson.A{}}}}}
	err := c.coll.UpsertByID(ctx, key, update)
	if errors.Is(err, mongox.ErrDuplicate) {
		// Two first claims raced on MongoDB: the other upsert created it.
		return nil
	}
	return err
}

func (c claims) holds(ctx context.Context, key, hold string) (bool, error) {
	n, err := c.coll.Count(ctx, bson.D{{Key: "_id", Value: key}, {Key: "holds", Value: hold}})
	return n > 0, err
}

// release gives r's units back. It changes nothing when r's hold is not recorded
// (never claimed, or released before).
func (c claims) release(ctx context.Context, r claimRequest) error {
	update := bson.D{{Key: "$inc", Value: bson.D{{Key: "claimed", Value: -r.Qty}}},
		{Key: "$pull", Value: bson.D{{Key: "holds", Value: r.Hold}}}}
	if len(r.Serials) > 0 {
		update = append(update, bson.E{Key: "$pullAll", Value: bson.D{{Key: "serials", Value: r.Serials}}})
	}
	_, err := c.coll.UpdateByID(ctx, r.Key, bson.D{{Key: "holds", Value: r.Hold}}, update)
	return err
}

// get reads the claim document of a line; a line never claimed has none.
func (c claims) get(ctx context.Context, key string) (claimDoc, error) {
	var d claimDoc
	err := c.coll.FindByID(ctx, key, &d)
	if errors.Is(err, mongox.ErrNotFound) {
		return claimDoc{ID: key}, nil
	}
	return d, err
}
