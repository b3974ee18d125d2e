package parts

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Who sees what. Admins and supervisors act on every location; finance reads all of it.
// A warehouse acts on its warehouse, an outlet on its store and its technicians' vans, a
// technician on their own van. Anything else answers 404, never 403: a refusal that
// names another technician's van would tell that it exists.
var (
	actAnywhere = []string{auth.RoleAdmin, auth.RoleSupervisor}
	readAll     = []string{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleFinance}
	// staffRoles may use the parts API at all.
	staffRoles = []string{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleFinance, auth.RoleWarehouse,
		auth.RoleOutlet, auth.RoleTechnician}
)

// controls reports whether p may move stock at loc: take from it or confirm into it.
func (s *Service) controls(ctx context.Context, p auth.Principal, loc Location) (bool, error) {
	switch {
	case p.HasRole(actAnywhere...):
		return true, nil
	case p.Role == auth.RoleWarehouse:
		return loc.Kind == KindWarehouse && loc.ID == p.WarehouseID, nil
	case p.Role == auth.RoleTechnician:
		return loc.Kind == KindVan && loc.ID == p.TechnicianID, nil
	case p.Role == auth.RoleOutlet && loc.Kind == KindOutlet:
		return loc.ID == p.OutletID, nil
	case p.Role == auth.RoleOutlet && loc.Kind == KindVan:
		out, err := s.vanOutlet(ctx, loc.ID)
		return out != "" && out == p.OutletID, err
	}
	return false, nil
}

// sees reports whether p may read the stock and ledger of loc.
func (s *Service) sees(ctx context.Context, p auth.Principal, loc Location) (bool, error) {
	if p.HasRole(readAll...) {
		return true, nil
	}
	return s.controls(ctx, p, loc)
}

// vanOutlet is the outlet a technician's van belongs to: from the directory when the
// server wired one, else from the stamp the van's stock carries.
func (s *Service) vanOutlet(ctx context.Context, technicianID string) (string, error) {
	if s.technicians != nil {
		out, err := s.technicians.OutletOf(ctx, technicianID)
		if errors.Is(err, apperr.ErrNotFound) {
			return "", nil
		}
		return out, err
	}
	filter := bson.D{{Key: "location", Value: Van(technicianID).String()}, {Key: "outlet_id", Value: bson.D{{Key: "$gt", Value: ""}}}}
	var d stockDoc
	err := s.ledger.stock.FindOne(ctx, filter, &d)
	if errors.Is(err, mongox.ErrNotFound) {
		err = s.ledger.serials.FindOne(ctx, filter, &d)
	}
	if errors.Is(err, mongox.ErrNotFound) {
		return "", nil
	}
	return d.OutletID, err
}

// mustControl answers 404 for a location p may not act on, and for one that does not exist.
func (s *Service) mustControl(ctx context.Context, p auth.Principal, loc Location, field string) error {
	ok, err := s.controls(ctx, p, loc)
	if err != nil {
		return err
	}
	if !ok {
		return notFoundAt(field, "location")
	}
	return s.mustExist(ctx, loc, field)
}

func (s *Service) mustExist(ctx context.Context, loc Location, field string) error {
	ok, err := s.locations.Exists(ctx, loc.Kind, loc.ID)
	if err != nil {
		return err
	}
	if !ok {
		return notFoundAt(field, "location")
	}
	return nil
}

func notFoundAt(field, what string) error {
	e := apperr.NotFound(what)
	e.Details = map[string]string{field: what + " not found"}
	return e
}

// ownedBy reports whether p may see an object that belongs to a warehouse, technician
// and outlet (any may be empty).
func ownedBy(p auth.Principal, warehouseID, technicianID, outletID string) bool {
	switch p.Role {
	case auth.RoleAdmin, auth.RoleSupervisor, auth.RoleFinance:
		return true
	case auth.RoleWarehouse:
		return warehouseID != "" && warehouseID == p.WarehouseID
	case auth.RoleOutlet:
		return outletID != "" && outletID == p.OutletID
	case auth.RoleTechnician:
		return technicianID != "" && technicianID == p.TechnicianID
	}
	return false
}

// ownerFilter narrows a list to what p may see, by the same fields as ownedBy.
func ownerFilter(p auth.Principal) (bson.D, error) {
	switch p.Role {
	case auth.RoleAdmin, auth.RoleSupervisor, auth.RoleFinance:
		return bson.D{}, nil
	case auth.RoleWarehouse:
		return bson.D{{Key: "warehouse_id", Value: p.WarehouseID}}, nil
	case auth.RoleOutlet:
		return bson.D{{Key: "outlet_id", Value: p.OutletID}}, nil
	case auth.RoleTechnician:
		return bson.D{{Key: "technician_id", Value: p.TechnicianID}}, nil
	}
	return nil, apperr.Forbidden("your role may not see parts")
}
