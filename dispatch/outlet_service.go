package dispatch

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
)

// CreateOutlet validates in and creates the outlet.
func (s *Service) CreateOutlet(ctx context.Context, p auth.Principal, in OutletInput) (OutletView, error) {
	id := ids.New("OUT")
	o, err := in.outlet(id)
	if err != nil {
		return OutletView{}, err
	}
	if err := s.outlets.Create(ctx, id, outletDoc{Outlet: o}, entry(p, "created", o.Kind), networkChanged("outlet", id, "created")); err != nil {
		return OutletView{}, err
	}
	s.changed(ctx)
	return s.GetOutlet(ctx, p, id)
}

// GetOutlet returns the outlet with its history, if p may see it.
func (s *Service) GetOutlet(ctx context.Context, p auth.Principal, id string) (OutletView, error) {
	d, err := s.loadOutlet(ctx, p, id)
	if err != nil {
		return OutletView{}, err
	}
	return d.view(), nil
}

func (s *Service) loadOutlet(ctx context.Context, p auth.Principal, id string) (outletDoc, error) {
	var d outletDoc
	if !seesOutlet(p, id) {
		return d, apperr.NotFound("outlet")
	}
	err := s.outlets.Load(ctx, id, &d)
	return d, err
}

// OutletFilter narrows an outlet list.
type OutletFilter struct {
	Kind      string
	Suspended *bool
	Category  string
	Brand     string
}

// ListOutlets returns a page of the outlets p may see, ordered by id.
func (s *Service) ListOutlets(ctx context.Context, p auth.Principal, q OutletFilter, page httpx.Page) (httpx.PageResult[OutletView], error) {
	filter := bson.D{}
	if !managesNetwork(p) {
		// Inside $and, so the page's own condition on _id does not clash with it.
		filter = append(filter, bson.E{Key: "$and", Value: bson.A{bson.D{{Key: "_id", Value: p.OutletID}}}})
	}
	for _, c := range []struct{ key, value string }{{"kind", q.Kind}, {"categories", q.Category}, {"brands", q.Brand}} {
		if c.value != "" {
			filter = append(filter, bson.E{Key: c.key, Value: c.value})
		}
	}
	if q.Suspended != nil {
		filter = append(filter, bson.E{Key: "suspended", Value: *q.Suspended})
	}
	var docs []outletDoc
	if err := s.outlets.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(withoutLog)); err != nil {
		return httpx.PageResult[OutletView]{}, err
	}
	views := make([]OutletView, len(docs))
	for i, d := range docs {
		views[i] = d.view()
	}
	return httpx.NewPageResult(views, page.Limit, func(v OutletView) string { return v.ID }), nil
}

// UpdateOutlet applies in to the outlet in one conditional update on in.Version.
func (s *Service) UpdateOutlet(ctx context.Context, p auth.Principal, id string, in OutletPatch) (OutletView, error) {
	if err := in.Validate(); err != nil {
		return OutletView{}, err
	}
	d, err := s.loadOutlet(ctx, p, id)
	if err != nil {
		return OutletView{}, err
	}
	if d.Version != in.Version {
		return OutletView{}, apperr.VersionConflict("outlet")
	}
	o, err := in.apply(d.Outlet)
	if err != nil {
		return OutletView{}, err
	}
	set, names := diff(d.Outlet.fields(), o.fields())
	if len(set) == 0 {
		return d.view(), nil
	}
	if err := s.applyChange(ctx, s.outlets, "outlet", id, in.Version, p, set, names); err != nil {
		return OutletView{}, err
	}
	return s.GetOutlet(ctx, p, id)
}
