package fees

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/queue"
)

// CreateScheduleInput creates a schedule with its first version. The rules' fields sit
// at the top level of the body, so problems are reported as labour[3], travel[1].
type CreateScheduleInput struct {
	OutletID      string     `json:"outlet_id,omitempty" doc:"omit for the default schedule"`
	Name          string     `json:"name,omitempty"`
	Currency      string     `json:"currency,omitempty" doc:"ISO 4217, default CNY"`
	EffectiveFrom *time.Time `json:"effective_from,omitempty" doc:"default now; never in the past"`
	Rules
}

// Validate checks the fields that do not depend on the time.
func (in CreateScheduleInput) Validate() error {
	f := apperr.Fields{}
	f.MaxLen("outlet_id", in.OutletID, maxIDLen)
	f.MaxLen("name", in.Name, maxTextLen)
	if in.Currency != "" && !currencyPattern.MatchString(in.Currency) {
		f.Add("currency", "must be an ISO 4217 code such as CNY")
	}
	in.Rules.Validate(f)
	return f.Err()
}

// AddVersionInput adds a version to a schedule.
type AddVersionInput struct {
	EffectiveFrom *time.Time `json:"effective_from,omitempty" doc:"default now; after the latest version's"`
	Rules
}

// Validate checks the rules.
func (in AddVersionInput) Validate() error {
	f := apperr.Fields{}
	in.Rules.Validate(f)
	return f.Err()
}

// TypeScheduleChanged tells workers to reload a schedule into their LabourFee cache.
const TypeScheduleChanged = "fees:schedule_changed"

// ScheduleChanged is the data of TypeScheduleChanged.
type ScheduleChanged struct {
	ScheduleID string `json:"schedule_id"`
	Version    int    `json:"version"`
}

// CreateSchedule creates the default schedule or an outlet's; each has at most one.
func (s *Service) CreateSchedule(ctx context.Context, p auth.Principal, in CreateScheduleInput) (Schedule, error) {
	if err := in.Validate(); err != nil {
		return Schedule{}, err
	}
	if err := s.checkOutlet(ctx, in.OutletID); err != nil {
		return Schedule{}, err
	}
	from, err := s.effectiveFrom(in.EffectiveFrom, time.Time{})
	if err != nil {
		return Schedule{}, err
	}
	now := s.clock.Now()
	d := scheduleDoc{ID: ids.New("FS"), OutletID: in.OutletID, Name: in.Name, Currency: in.Currency, LatestFrom: from,
		Versions: []ScheduleVersion{{Version: 1, EffectiveFrom: from, Rules: in.Rules, CreatedBy: p.UserID, CreatedAt: now}}}
	if d.Currency == "" {
		d.Currency = DefaultCurrency
	}
	ev := aggregate.NewEvent(TypeScheduleChanged, queue.Default, ScheduleChanged{ScheduleID: d.ID, Version: 1})
	err = s.schedules.Create(ctx, d.ID, d, aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "created", Note: "version 1"}, ev)
	if errors.Is(err, apperr.ErrConflict) {
		return Schedule{}, apperr.Conflict("this outlet already has a fee schedule; add a version to it")
	}
	if err != nil {
		return Schedule{}, err
	}
	d.Base.Version, d.CreatedAt, d.UpdatedAt = 1, now, now
	s.cache.put(compile(d))
	return d.toSchedule(), nil
}

// AddVersion appends a version taking effect after the latest one. Versions already in
// force are never changed, so a job keeps the price it was completed under.
func (s *Service) AddVersion(ctx context.Context, p auth.Principal, id string, in AddVersionInput) (Schedule, error) {
	if err := in.Validate(); err != nil {
		return Schedule{}, err
	}
	d, err := s.loadSchedule(ctx, p, id)
	if err != nil {
		return Schedule{}, err
	}
	from, err := s.effectiveFrom(in.EffectiveFrom, d.LatestFrom)
	if err != nil {
		return Schedule{}, err
	}
	v := ScheduleVersion{Version: len(d.Versions) + 1, EffectiveFrom: from, Rules: in.Rules, CreatedBy: p.UserID, CreatedAt: s.clock.Now()}
	err = s.schedules.Apply(ctx, aggregate.Change{ID: d.ID, Version: d.Base.Version,
		Set:    bson.D{{Key: "latest_from", Value: from}},
		Push:   bson.D{{Key: "versions", Value: v}},
		Entry:  aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "version_added", Note: fmt.Sprintf("version %d from %s", v.Version, from.Format(time.RFC3339))},
		Events: []aggregate.Event{aggregate.NewEvent(TypeScheduleChanged, queue.Default, ScheduleChanged{ScheduleID: d.ID, Version: v.Version})},
	})
	if err != nil {
		return Schedule{}, err
	}
	return s.refreshSchedule(ctx, d.ID)
}

func (s *Service) checkOutlet(ctx context.Context, outletID string) error {
	if outletID == "" || s.outlets == nil {
		return nil
	}
	ok, err := s.outlets.OutletExists(ctx, outletID)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Fields{"outlet_id": "no such outlet"}.Err()
	}
	return nil
}

// effectiveFrom defaults a version's start to now and refuses one in the past or not
// after the latest version's start (after is zero for a first version).
func (s *Service) effectiveFrom(in *time.Time, after time.Time) (time.Time, error) {
	now := s.clock.Now()
	if in == nil {
		if !now.After(after) {
			return time.Time{}, apperr.Fields{"effective_from": "is required: the latest version starts later than now"}.Err()
		}
		return now, nil
	}
	from := in.UTC().Truncate(time.Millisecond)
	switch {
	case from.Before(now):
		return time.Time{}, apperr.Fields{"effective_from": "must not be in the past: versions in force are never changed"}.Err()
	case !from.After(after):
		return time.Time{}, apperr.Fields{"effective_from": "must be after the latest version's (" + after.Format(time.RFC3339) + ")"}.Err()
	}
	return from, nil
}

// GetSchedule returns a schedule the caller may see.
func (s *Service) GetSchedule(ctx context.Context, p auth.Principal, id string) (Schedule, error) {
	d, err := s.loadSchedule(ctx, p, id)
	return d.toSchedule(), err
}

// ListSchedules pages through the schedules the caller may see; outletID filters ("-"
// for the default schedule only).
func (s *Service) ListSchedules(ctx context.Context, p auth.Principal, outletID string, page httpx.Page) (httpx.PageResult[Schedule], error) {
	filter := bson.D{}
	switch {
	case outletBound(p):
		filter = bson.D{{Key: "outlet_id", Value: bson.D{{Key: "$in", Value: []string{"", p.OutletID}}}}}
	case outletID == "-":
		filter = bson.D{{Key: "outlet_id", Value: ""}}
	case outletID != "":
		filter = bson.D{{Key: "outlet_id", Value: outletID}}
	}
	var docs []scheduleDoc
	if err := s.schedules.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(scheduleProjection)); err != nil {
		return httpx.PageResult[Schedule]{}, err
	}
	out := make([]Schedule, len(docs))
	for i, d := range docs {
		out[i] = d.toSchedule()
	}
	return httpx.NewPageResult(out, page.Limit, func(s Schedule) string { return s.ID }), nil
}

func (s *Service) loadSchedule(ctx context.Context, p auth.Principal, id string) (scheduleDoc, error) {
	var d scheduleDoc
	if err := s.schedules.Load(ctx, id, &d); err != nil {
		return d, err
	}
	if !seesSchedule(p, d.OutletID) {
		return scheduleDoc{}, apperr.NotFound("fee schedule")
	}
	return d, nil
}

// refreshSchedule rereads one schedule into the cache and returns it.
func (s *Service) refreshSchedule(ctx context.Context, id string) (Schedule, error) {
	var d scheduleDoc
	if err := s.schedules.Load(ctx, id, &d); err != nil {
		return Schedule{}, err
	}
	s.cache.put(compile(d))
	return d.toSchedule(), nil
}

// schedulesFor reads the outlet's schedule and the default one from the database (not
// the cache, which another process may not have refreshed yet) for pricing.
func (s *Service) schedulesFor(ctx context.Context, outletID string) (outlet, fallback *compiledSchedule, err error) {
	read := func(key string) (*compiledSchedule, error) {
		var d scheduleDoc
		err := s.schedules.Collection().FindOne(ctx, bson.D{{Key: "outlet_id", Value: key}}, &d,
			options.FindOne().SetProjection(scheduleProjection))
		if errors.Is(err, mongox.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return compile(d), nil
	}
	if outletID != "" {
		if outlet, err = read(outletID); err != nil {
			return nil, nil, err
		}
	}
	fallback, err = read("")
	return outlet, fallback, err
}

// errNoSchedule answers pricing a job that no schedule version covers.
func errNoSchedule(outletID string, at time.Time) error {
	return apperr.Conflict("no fee schedule is in force for outlet %q at %s", outletID, at.Format(time.RFC3339))
}
