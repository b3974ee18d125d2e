package rma

import (
	"context"
	"errors"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/registry"
)

// Who reads RMAs through /rmas: the desk, and the roles that need the context
// (dispatchers route, finance pays refunds, admins support). Warehouses read only the
// RMAs routed to them, through /warehouse/rmas.
var readers = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleFinance, auth.RoleAdmin}

// visible loads RMA id if p may see it: a warehouse sees only RMAs routed to it, and
// any other answers 404 so it learns nothing of other warehouses' returns.
func (s *Service) visible(ctx context.Context, p auth.Principal, id string) (*RMA, error) {
	if !p.HasRole(readers...) && p.Role != auth.RoleWarehouse {
		return nil, apperr.Forbidden("your role may not see RMAs")
	}
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Role == auth.RoleWarehouse && (p.WarehouseID == "" || r.WarehouseID != p.WarehouseID) {
		return nil, apperr.NotFound("RMA")
	}
	return r, nil
}

// Get returns RMA id as p may see it.
func (s *Service) Get(ctx context.Context, p auth.Principal, id string) (*RMA, error) {
	return s.visible(ctx, p, id)
}

// Filter narrows a list of RMAs.
type Filter struct {
	Status, Type, CustomerID, ComplaintID, WarehouseID, SalesOrderID, Serial string
}

func (q Filter) query() (bson.D, error) {
	f, d := apperr.Fields{}, bson.D{}
	add := func(key, v string) {
		if v = strings.TrimSpace(v); v != "" {
			d = append(d, bson.E{Key: key, Value: v})
		}
	}
	if q.Status != "" {
		f.OneOf("status", q.Status, Statuses()...)
	}
	if q.Type != "" {
		f.OneOf("type", q.Type, Types()...)
	}
	add("status", q.Status)
	add("type", q.Type)
	add("customer_id", q.CustomerID)
	add("complaint_id", q.ComplaintID)
	add("warehouse_id", q.WarehouseID)
	add("sales_order_ids", q.SalesOrderID)
	add("serials", registry.NormalizeSerial(q.Serial))
	return d, f.Err()
}

// noHistory leaves the history out of list pages.
var noHistory = bson.D{{Key: "history", Value: 0}, {Key: "outbox", Value: 0}, {Key: "outbox_dead", Value: 0}}

// List returns a page of the RMAs p may see that match q. A warehouse's list is always
// narrowed to its own warehouse.
func (s *Service) List(ctx context.Context, p auth.Principal, q Filter, page httpx.Page) (httpx.PageResult[View], error) {
	if p.Role == auth.RoleWarehouse {
		if p.WarehouseID == "" {
			return httpx.NewPageResult([]View{}, page.Limit, viewID), nil
		}
		q.WarehouseID = p.WarehouseID
	} else if !p.HasRole(readers...) {
		return httpx.PageResult[View]{}, apperr.Forbidden("your role may not see RMAs")
	}
	filter, err := q.query()
	if err != nil {
		return httpx.PageResult[View]{}, err
	}
	var docs []RMA
	if err := s.store.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(noHistory)); err != nil {
		return httpx.PageResult[View]{}, err
	}
	views := make([]View, len(docs))
	for i := range docs {
		views[i] = docs[i].view()
	}
	return httpx.NewPageResult(views, page.Limit, viewID), nil
}

func viewID(v View) string { return v.ID }

// findErr maps mongox's not-found to the client-facing one.
func findErr(err error) error {
	if errors.Is(err, mongox.ErrNotFound) {
		return apperr.NotFound("RMA")
	}
	return err
}
