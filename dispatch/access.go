package dispatch

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
)

// managesNetwork reports whether p may see and change the whole network.
func managesNetwork(p auth.Principal) bool { return p.HasRole(auth.RoleAdmin, auth.RoleDispatcher) }

// seesOutlet reports whether p may see the outlet and its technicians: network managers
// see every outlet, an outlet manager only their own. Callers answer 404 otherwise, so
// nobody learns that another outlet exists.
func seesOutlet(p auth.Principal, outletID string) bool {
	return managesNetwork(p) || (p.Role == auth.RoleOutlet && p.OutletID != "" && p.OutletID == outletID)
}

func entry(p auth.Principal, action, note string) aggregate.Entry {
	return aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: action, Note: note}
}

// applyChange writes set (the fields that changed, named in names) on version of the
// member and refreshes the index.
func (s *Service) applyChange(ctx context.Context, store *aggregate.Store, kind, id string, version int64,
	p auth.Principal, set bson.D, names []string) error {
	err := store.Apply(ctx, aggregate.Change{ID: id, Version: version, Set: set,
		Entry:  entry(p, "updated", "changed: "+strings.Join(names, ", ")),
		Events: []aggregate.Event{networkChanged(kind, id, "updated")}})
	if err != nil {
		return err
	}
	s.changed(ctx)
	return nil
}
