package mobileapi

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/registry"
)

// activeStatuses are those in which the technician works the job: the customer's phone
// is shown in full only then.
var activeStatuses = []string{orders.StatusAccepted, orders.StatusScheduled, orders.StatusEnRoute, orders.StatusOnSite}

// historyStatuses are finished jobs.
var historyStatuses = []string{orders.StatusCompleted, orders.StatusVerified, orders.StatusClosed,
	orders.StatusCancelled, orders.StatusRevisitNeeded}

// maxJobs bounds how many of a technician's orders a list reads; a technician holds a
// few jobs a day, so this is years of history before it bites.
const maxJobs = 500

// job loads order id when it is the caller's: assigned to them, or offered to them.
// Anybody else's job, or an unknown one, is the same 404.
func (s *Service) job(ctx context.Context, p auth.Principal, id string) (*orders.ServiceOrder, error) {
	if p.TechnicianID == "" || id == "" || len(id) > 64 {
		return nil, apperr.NotFound("job")
	}
	o, err := s.orders.Order(ctx, id)
	if err != nil {
		if apperr.Status(err) == 404 {
			return nil, apperr.NotFound("job")
		}
		return nil, err
	}
	if o.AssignedTechnicianID != p.TechnicianID && o.OfferTechnicianID != p.TechnicianID {
		return nil, apperr.NotFound("job")
	}
	return o, nil
}

// JobView is a job as the technician's phone shows it.
type JobView struct {
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	Status        string         `json:"status"`
	Priority      string         `json:"priority"`
	CustomerName  string         `json:"customer_name"`
	CustomerPhone string         `json:"customer_phone" doc:"in full only while the job is active (accepted to on site), masked otherwise; empty while only offered"`
	Site          *orders.Site   `json:"site,omitempty"`
	Appointment   *orders.Window `json:"appointment,omitempty"`
	ResolveBy     *time.Time     `json:"resolve_by,omitempty"`
	Serial        string         `json:"serial,omitempty"`
	Category      string         `json:"category,omitempty"`
	Brand         string         `json:"brand,omitempty"`
	ProductName   string         `json:"product_name,omitempty"`
	Notes         string         `json:"notes,omitempty"`
	OfferID       string         `json:"offer_id,omitempty" doc:"set while the job is offered to you"`
	OfferDeadline *time.Time     `json:"offer_deadline,omitempty"`
	Visits        []orders.Visit `json:"visits"`
}

func jobView(o *orders.ServiceOrder, techID string) JobView {
	v := JobView{ID: o.ID, Type: o.Type, Status: o.Status, Priority: o.Priority, CustomerName: o.CustomerName,
		CustomerPhone: registry.MaskPhone(o.CustomerPhone), Site: o.Site, Appointment: o.Appointment,
		ResolveBy: o.ResolveBy, Serial: o.Serial, Category: o.Category, Brand: o.Brand, Notes: o.Notes, Visits: o.Visits}
	if slices.Contains(activeStatuses, o.Status) && o.AssignedTechnicianID == techID {
		v.CustomerPhone = o.CustomerPhone
	}
	if o.Unit != nil {
		v.ProductName = o.Unit.ProductName
	}
	if o.AssignedTechnicianID != techID {
		// an offer shows the job in outline, as orders tells outlets: not who or where exactly
		v.CustomerName, v.CustomerPhone, v.Visits = "", "", nil
		if o.Site != nil {
			v.Site = &orders.Site{City: o.Site.City, Province: o.Site.Province, Lat: o.Site.Lat, Lon: o.Site.Lon}
		}
	}
	if o.Status == orders.StatusOffered && o.OfferTechnicianID == techID {
		v.OfferID, v.OfferDeadline = o.OfferID, o.OfferDeadline
	}
	if v.Visits == nil {
		v.Visits = []orders.Visit{}
	}
	return v
}

// Job returns the caller's job id.
func (s *Service) Job(ctx context.Context, p auth.Principal, id string) (JobView, error) {
	o, err := s.job(ctx, p, id)
	if err != nil {
		return JobView{}, err
	}
	return jobView(o, p.TechnicianID), nil
}

// Job lists.
const (
	ListToday    = "today"
	ListUpcoming = "upcoming"
	ListHistory  = "history"
)

// JobList is a page of jobs.
type JobList = httpx.PageResult[JobView]

// Jobs returns a page of the caller's jobs of list: today (offered to them, under way,
// or due today in Shanghai time), upcoming (appointments after today) or history
// (finished), ordered by id.
func (s *Service) Jobs(ctx context.Context, p auth.Principal, list string, page httpx.Page) (JobList, error) {
	all, err := s.orders.List(ctx, p, orders.ListFilter{TechnicianID: p.TechnicianID}, httpx.Page{Limit: maxJobs})
	if err != nil {
		return JobList{}, err
	}
	if list == ListToday {
		offered, err := s.orders.OpenOffers(ctx, p, httpx.Page{Limit: maxJobs})
		if err != nil {
			return JobList{}, err
		}
		all = append(all, offered...)
	}
	tomorrow := s.dayStart(s.clock.Now()).AddDate(0, 0, 1)
	var views []JobView
	for i := range all {
		if o := &all[i]; inList(o, list, tomorrow) && o.ID > page.After {
			views = append(views, jobView(o, p.TechnicianID))
		}
	}
	sort.Slice(views, func(i, j int) bool { return views[i].ID < views[j].ID })
	views = slices.CompactFunc(views, func(a, b JobView) bool { return a.ID == b.ID })
	if len(views) > page.Limit+1 {
		views = views[:page.Limit+1]
	}
	return httpx.NewPageResult(views, page.Limit, func(v JobView) string { return v.ID }), nil
}

func inList(o *orders.ServiceOrder, list string, tomorrow time.Time) bool {
	switch list {
	case ListHistory:
		return slices.Contains(historyStatuses, o.Status)
	case ListUpcoming:
		return slices.Contains(activeStatuses, o.Status) && o.Appointment != nil && !o.Appointment.Start.Before(tomorrow)
	default:
		if o.Status == orders.StatusOffered {
			return true
		}
		return slices.Contains(activeStatuses, o.Status) && (o.Appointment == nil || o.Appointment.Start.Before(tomorrow))
	}
}

// dayStart is the start of t's day in the attendance time zone.
func (s *Service) dayStart(t time.Time) time.Time {
	l := t.In(s.cfg.Location)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, s.cfg.Location)
}
