package dispatch

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Collection names.
const (
	WarehousesCollection   = "warehouses"
	OutletsCollection      = "outlets"
	TechniciansCollection  = "technicians"
	NetworkStateCollection = "network_state"  // one document: the network version
	LoadsCollection        = "dispatch_loads" // open jobs per candidate or warehouse per day
)

// networkStateID is the _id of the one network_state document.
const networkStateID = "network"

type warehouseDoc struct {
	Warehouse      `bson:",inline"`
	aggregate.Base `bson:",inline"`
}

type outletDoc struct {
	Outlet         `bson:",inline"`
	aggregate.Base `bson:",inline"`
}

type technicianDoc struct {
	Technician     `bson:",inline"`
	aggregate.Base `bson:",inline"`
}

type networkState struct {
	ID      string `bson:"_id"`
	Version int64  `bson:"version"`
}

type loadDoc struct {
	ID    string `bson:"_id"` // ref|day
	RefID string `bson:"ref_id"`
	Day   Day    `bson:"day"`
	Open  int    `bson:"open"`
}

func loadID(ref string, day Day) string { return fmt.Sprintf("%s|%d", ref, day) }

// withoutLog leaves out what lists and the index never need.
var withoutLog = bson.D{{Key: "history", Value: 0}, {Key: "outbox", Value: 0}, {Key: "outbox_dead", Value: 0}}

func indexModels() map[string][]mongo.IndexModel {
	byID := func(field string) mongo.IndexModel {
		return mongo.IndexModel{Keys: bson.D{{Key: field, Value: 1}, {Key: "_id", Value: 1}}}
	}
	return map[string][]mongo.IndexModel{
		WarehousesCollection:  append(aggregate.Indexes(), byID("active")),
		OutletsCollection:     append(aggregate.Indexes(), byID("kind"), byID("suspended")),
		TechniciansCollection: append(aggregate.Indexes(), byID("outlet_id"), byID("active")),
		LoadsCollection:       {{Keys: bson.D{{Key: "day", Value: 1}}}},
	}
}

// loadNetwork reads the whole network for an index build.
func (s *Service) loadNetwork(ctx context.Context) (Network, error) {
	var n Network
	opts := options.Find().SetProjection(withoutLog)
	if err := s.warehouses.Collection().Find(ctx, bson.D{}, &n.Warehouses, opts); err != nil {
		return n, fmt.Errorf("load warehouses: %w", err)
	}
	if err := s.outlets.Collection().Find(ctx, bson.D{}, &n.Outlets, opts); err != nil {
		return n, fmt.Errorf("load outlets: %w", err)
	}
	if err := s.technicians.Collection().Find(ctx, bson.D{}, &n.Technicians, opts); err != nil {
		return n, fmt.Errorf("load technicians: %w", err)
	}
	return n, nil
}

// networkVersion reads the version counter; 0 before the first change.
func (s *Service) networkVersion(ctx context.Context) (int64, error) {
	var st networkState
	err := s.state.FindByID(ctx, networkStateID, &st)
	if errors.Is(err, mongox.ErrNotFound) {
		return 0, nil
	}
	return st.Version, err
}

// bumpNetworkVersion tells every process that the network changed.
func (s *Service) bumpNetworkVersion(ctx context.Context) error {
	return s.state.UpsertByID(ctx, networkStateID, bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
}

// loadCounts reads the open-job counts from day on.
func (s *Service) loadCounts(ctx context.Context, from Day) (map[loadKey]int, error) {
	var docs []loadDoc
	if err := s.loads.Find(ctx, bson.D{{Key: "day", Value: bson.D{{Key: "$gte", Value: from}}}}, &docs); err != nil {
		return nil, fmt.Errorf("load counts: %w", err)
	}
	m := make(map[loadKey]int, len(docs))
	for _, d := range docs {
		m[loadKey{d.RefID, d.Day}] = d.Open
	}
	return m, nil
}

// addLoad changes ref's open jobs on day by delta.
func (s *Service) addLoad(ctx context.Context, ref string, day Day, delta int) error {
	err := s.loads.UpsertByID(ctx, loadID(ref, day), bson.D{
		{Key: "$inc", Value: bson.D{{Key: "open", Value: delta}}},
		{Key: "$set", Value: bson.D{{Key: "ref_id", Value: ref}, {Key: "day", Value: day}}},
	})
	if err != nil {
		return fmt.Errorf("add load: %w", err)
	}
	return nil
}
