package dispatch

import (
	"context"
	"strings"
	"time"
)

// What the offer flow asks of the network besides a decision: who a member is (to check
// an assignment), what a hand-picked candidate costs, and whose day a job counts on.

// LookupOutlet returns outlet id for another domain's rules, without a caller's access
// check; not-found is an apperr.
func (s *Service) LookupOutlet(ctx context.Context, id string) (Outlet, error) {
	var d outletDoc
	err := s.outlets.Load(ctx, id, &d)
	return d.Outlet, err
}

// LookupTechnician returns technician id for another domain's rules, without a caller's
// access check; not-found is an apperr.
func (s *Service) LookupTechnician(ctx context.Context, id string) (Technician, error) {
	var d technicianDoc
	err := s.technicians.Load(ctx, id, &d)
	return d.Technician, err
}

// LoadDay is the calendar day, in candidate id's time zone, that a job at at counts
// on for its capacity; an id the index does not hold uses DefaultTimeZone.
func (s *Service) LoadDay(id string, at time.Time) Day {
	ix := s.engine.Index()
	if k, ok := ix.byID[id]; ok {
		return DayOf(at, ix.cands[k].loc)
	}
	loc, err := time.LoadLocation(DefaultTimeZone)
	if err != nil {
		loc = time.UTC
	}
	return DayOf(at, loc)
}

// Score costs candidate id for job as the engine would, for a dispatcher who picks it
// by hand.
func (s *Service) Score(job Job, id string, now time.Time) (Scored, string, bool) {
	return s.engine.Score(job, id, now)
}

// filterText says in words which filter a candidate failed.
var filterText = map[filter]string{
	fExcluded:  "already declined or let an offer expire",
	fInactive:  "inactive",
	fSuspended: "suspended",
	fSkill:     "lacks a skill the job needs",
	fCategory:  "not authorised for the category",
	fBrand:     "not authorised for the brand",
	fRadius:    "outside its service radius",
	fHours:     "not working in the window",
	fCapacity:  "fully booked that day",
}

// Score costs candidate id (an outsourced outlet or an in-house technician) for job. ok
// is false when id is not a candidate of the index (an in-house team, an outsourced
// outlet's technician, or unknown). ineligible names the first filter the candidate
// fails, "" when it passes them all; either way it is costed, so a manual choice shows
// what it costs.
func (e *Engine) Score(job Job, id string, now time.Time) (s Scored, ineligible string, ok bool) {
	ix := e.index.Load()
	k, ok := ix.byID[id]
	if !ok {
		return Scored{}, "", false
	}
	q := e.newQuery(ix, job, nil, now)
	s, f := q.evaluate(k)
	c := &ix.cands[k]
	if f != eligible {
		start, working := c.hours.firstWorking(q.from, q.to, c.loc)
		if !working {
			start = q.from
		}
		open := 0
		if q.load != nil {
			open = q.load.OpenJobs(c.id, DayOf(start, c.loc))
		}
		s = q.cost(c, distanceKm(c.pos, q.p), start, open)
		ineligible = filterText[f]
	}
	s.Why = strings.Replace(why(s, s, 0, job, c.loc), "cheapest total", "total", 1)
	if ineligible != "" {
		s.Why = ineligible + "; " + s.Why
	}
	return s, ineligible, true
}
