package dispatch

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
)

// CreateTechnician validates in and creates the technician in its outlet.
func (s *Service) CreateTechnician(ctx context.Context, p auth.Principal, in TechnicianInput) (TechnicianView, error) {
	id := ids.New("TEC")
	t, err := in.technician(id)
	if err != nil {
		return TechnicianView{}, err
	}
	if t.InHouse, err = s.outletIsInHouse(ctx, t.OutletID); err != nil {
		return TechnicianView{}, err
	}
	if err := s.technicians.Create(ctx, id, technicianDoc{Technician: t}, entry(p, "created", t.OutletID),
		networkChanged("technician", id, "created")); err != nil {
		return TechnicianView{}, err
	}
	s.changed(ctx)
	return s.GetTechnician(ctx, p, id)
}

// outletIsInHouse reads the kind of the technician's outlet; an unknown outlet is a
// validation error on outlet_id.
func (s *Service) outletIsInHouse(ctx context.Context, outletID string) (bool, error) {
	var o outletDoc
	err := s.outlets.Load(ctx, outletID, &o)
	if errors.Is(err, apperr.ErrNotFound) {
		return false, apperr.Fields{"outlet_id": "no such outlet"}.Err()
	}
	return o.InHouse(), err
}

// GetTechnician returns the technician with its history, if p may see it.
func (s *Service) GetTechnician(ctx context.Context, p auth.Principal, id string) (TechnicianView, error) {
	d, err := s.loadTechnician(ctx, p, id)
	if err != nil {
		return TechnicianView{}, err
	}
	return d.view(), nil
}

func (s *Service) loadTechnician(ctx context.Context, p auth.Principal, id string) (technicianDoc, error) {
	var d technicianDoc
	if err := s.technicians.Load(ctx, id, &d); err != nil {
		return d, err
	}
	if !seesOutlet(p, d.OutletID) {
		return technicianDoc{}, apperr.NotFound("technician")
	}
	return d, nil
}

// TechnicianFilter narrows a technician list.
type TechnicianFilter struct {
	OutletID string
	Active   *bool
	Skill    string
}

// ListTechnicians returns a page of the technicians p may see, ordered by id.
func (s *Service) ListTechnicians(ctx context.Context, p auth.Principal, q TechnicianFilter, page httpx.Page) (httpx.PageResult[TechnicianView], error) {
	filter := bson.D{}
	outletID := q.OutletID
	if !managesNetwork(p) {
		if outletID != "" && outletID != p.OutletID {
			return httpx.NewPageResult([]TechnicianView(nil), page.Limit, nil), nil
		}
		outletID = p.OutletID
	}
	if outletID != "" {
		filter = append(filter, bson.E{Key: "outlet_id", Value: outletID})
	}
	if q.Skill != "" {
		filter = append(filter, bson.E{Key: "skills", Value: q.Skill})
	}
	if q.Active != nil {
		filter = append(filter, bson.E{Key: "active", Value: *q.Active})
	}
	var docs []technicianDoc
	if err := s.technicians.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(withoutLog)); err != nil {
		return httpx.PageResult[TechnicianView]{}, err
	}
	views := make([]TechnicianView, len(docs))
	for i, d := range docs {
		views[i] = d.view()
	}
	return httpx.NewPageResult(views, page.Limit, func(v TechnicianView) string { return v.ID }), nil
}

// UpdateTechnician applies in to the technician in one conditional update on in.Version.
func (s *Service) UpdateTechnician(ctx context.Context, p auth.Principal, id string, in TechnicianPatch) (TechnicianView, error) {
	if err := in.Validate(); err != nil {
		return TechnicianView{}, err
	}
	d, err := s.loadTechnician(ctx, p, id)
	if err != nil {
		return TechnicianView{}, err
	}
	if !managesNetwork(p) && !in.onlyOutletManagerFields() {
		return TechnicianView{}, apperr.Forbidden("outlet managers may change only skills and working_hours")
	}
	if d.Version != in.Version {
		return TechnicianView{}, apperr.VersionConflict("technician")
	}
	t, err := in.apply(d.Technician)
	if err != nil {
		return TechnicianView{}, err
	}
	if t.OutletID != d.OutletID {
		if t.InHouse, err = s.outletIsInHouse(ctx, t.OutletID); err != nil {
			return TechnicianView{}, err
		}
	}
	set, names := diff(d.Technician.fields(), t.fields())
	if len(set) == 0 {
		return d.view(), nil
	}
	if err := s.applyChange(ctx, s.technicians, "technician", id, in.Version, p, set, names); err != nil {
		return TechnicianView{}, err
	}
	return s.GetTechnician(ctx, p, id)
}
