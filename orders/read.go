package orders

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

// readers see every order: the desks that create, dispatch and pay for them.
var readers = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleAdmin, auth.RoleFinance}

// sees reports whether p may see o: staff see every order; an outlet manager the orders
// assigned or offered to their outlet; a technician those assigned or offered to them.
func sees(p auth.Principal, o *ServiceOrder) bool {
	switch {
	case p.HasRole(readers...):
		return true
	case p.Role == auth.RoleOutlet && p.OutletID != "":
		return o.AssignedOutletID == p.OutletID || o.OfferOutletID == p.OutletID
	case p.Role == auth.RoleTechnician && p.TechnicianID != "":
		return o.AssignedTechnicianID == p.TechnicianID || o.OfferTechnicianID == p.TechnicianID
	}
	return false
}

// visible loads order id if p may see it; another outlet's or technician's order is
// not found, so nobody learns that it exists.
func (s *Service) visible(ctx context.Context, p auth.Principal, id string) (*ServiceOrder, error) {
	if !p.HasRole(append([]string{auth.RoleOutlet, auth.RoleTechnician}, readers...)...) {
		return nil, apperr.Forbidden("your role may not see service orders")
	}
	o, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sees(p, o) {
		return nil, apperr.NotFound("service order")
	}
	return o, nil
}

// Get returns order id with its history, if p may see it.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (*ServiceOrder, error) {
	return s.visible(ctx, p, id)
}

// ListFilter narrows an order list.
type ListFilter struct {
	Status       string
	CustomerID   string
	ComplaintID  string
	OutletID     string // assigned outlet
	TechnicianID string // assigned technician
	Escalated    *bool
}

// List returns a page of the orders p may see, ordered by id: outlet managers and
// technicians only the orders assigned to them.
func (s *Service) List(ctx context.Context, p auth.Principal, f ListFilter, page httpx.Page) ([]ServiceOrder, error) {
	switch {
	case p.HasRole(readers...):
	case p.Role == auth.RoleOutlet:
		if f.OutletID != "" && f.OutletID != p.OutletID {
			return nil, nil
		}
		f.OutletID = p.OutletID
	case p.Role == auth.RoleTechnician:
		if f.TechnicianID != "" && f.TechnicianID != p.TechnicianID {
			return nil, nil
		}
		f.TechnicianID = p.TechnicianID
	default:
		return nil, apperr.Forbidden("your role may not see service orders")
	}
	filter := bson.D{}
	for _, c := range []struct{ key, value string }{{"status", f.Status}, {"customer_id", f.CustomerID},
		{"complaint_id", f.ComplaintID}, {"assigned_outlet_id", f.OutletID}, {"assigned_technician_id", f.TechnicianID}} {
		if c.value != "" {
			filter = append(filter, bson.E{Key: c.key, Value: c.value})
		}
	}
	if f.Escalated != nil {
		filter = append(filter, bson.E{Key: "escalated", Value: *f.Escalated})
	}
	return s.page(ctx, filter, page)
}

// OpenOffers returns a page of the open offers made to p: an outlet manager's outlet,
// or an in-house technician.
func (s *Service) OpenOffers(ctx context.Context, p auth.Principal, page httpx.Page) ([]ServiceOrder, error) {
	filter := bson.D{{Key: "status", Value: StatusOffered}}
	switch {
	case p.Role == auth.RoleOutlet && p.OutletID != "":
		filter = append(filter, bson.E{Key: "offer_outlet_id", Value: p.OutletID})
	case p.Role == auth.RoleTechnician && p.TechnicianID != "":
		filter = append(filter, bson.E{Key: "offer_technician_id", Value: p.TechnicianID})
	default:
		return nil, apperr.Forbidden("only outlets and technicians receive offers")
	}
	return s.page(ctx, filter, page)
}

// Order returns order id for another domain's rules (parts checking a requisition, an
// adapter for fees), without a caller's access check; not-found is an apperr.
func (s *Service) Order(ctx context.Context, id string) (*ServiceOrder, error) {
	return s.load(ctx, id)
}
