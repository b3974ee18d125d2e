package fees

import (
	"sort"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
)

// Schedule is an outlet's fee schedule, or the default one (OutletID empty) that prices
// jobs of outlets without their own. Its versions take effect in order and are never
// edited: a price change is a new version with a later effective date.
type Schedule struct {
	ID       string            `json:"id"`
	OutletID string            `json:"outlet_id" doc:"empty for the default schedule"`
	Name     string            `json:"name"`
	Currency string            `json:"currency"`
	Versions []ScheduleVersion `json:"versions"`
	Revision int64             `json:"revision" doc:"the document's revision, not a price version"`
	Created  time.Time         `json:"created_at"`
	Updated  time.Time         `json:"updated_at"`
}

// ScheduleVersion is one set of prices and the instant it takes effect.
type ScheduleVersion struct {
	Version       int       `json:"version" bson:"version"`
	EffectiveFrom time.Time `json:"effective_from" bson:"effective_from"`
	Rules         Rules     `json:"rules" bson:"rules"`
	CreatedBy     string    `json:"created_by" bson:"created_by"`
	CreatedAt     time.Time `json:"created_at" bson:"created_at"`
}

// scheduleDoc is a schedule as stored in SchedulesCollection.
type scheduleDoc struct {
	ID             string            `bson:"_id"`
	OutletID       string            `bson:"outlet_id"`
	Name           string            `bson:"name"`
	Currency       string            `bson:"currency"`
	Versions       []ScheduleVersion `bson:"versions"`
	LatestFrom     time.Time         `bson:"latest_from"` // effective_from of the newest version
	aggregate.Base `bson:",inline"`
}

func (d scheduleDoc) toSchedule() Schedule {
	return Schedule{ID: d.ID, OutletID: d.OutletID, Name: d.Name, Currency: d.Currency,
		Versions: d.Versions, Revision: d.Base.Version, Created: d.CreatedAt, Updated: d.UpdatedAt}
}

// compiledSchedule is a schedule ready for lookups: versions sorted by effective date
// and labour rows indexed. It is immutable once built, so the cache can share it.
type compiledSchedule struct {
	id       string
	outletID string
	currency string
	versions []compiledVersion
}

type compiledVersion struct {
	version int
	from    time.Time
	rules   Rules
	labour  labourIndex
}

func compile(d scheduleDoc) *compiledSchedule {
	c := &compiledSchedule{id: d.ID, outletID: d.OutletID, currency: d.Currency}
	for _, v := range d.Versions {
		c.versions = append(c.versions, compiledVersion{version: v.Version, from: v.EffectiveFrom,
			rules: v.Rules, labour: newLabourIndex(v.Rules.Labour)})
	}
	sort.Slice(c.versions, func(i, j int) bool { return c.versions[i].from.Before(c.versions[j].from) })
	return c
}

// at returns the version in force at t: the latest one effective at or before t.
func (c *compiledSchedule) at(t time.Time) (*compiledVersion, bool) {
	if c == nil {
		return nil, false
	}
	i := sort.Search(len(c.versions), func(i int) bool { return c.versions[i].from.After(t) })
	if i == 0 {
		return nil, false
	}
	return &c.versions[i-1], true
}

// resolved is the schedule version that prices a job.
type resolved struct {
	schedule *compiledSchedule
	version  *compiledVersion
}

// resolve picks the outlet's schedule version in force at t, else the default
// schedule's. An outlet schedule whose first version starts after t does not apply yet.
func resolve(outlet, fallback *compiledSchedule, t time.Time) (resolved, bool) {
	if v, ok := outlet.at(t); ok {
		return resolved{outlet, v}, true
	}
	if v, ok := fallback.at(t); ok {
		return resolved{fallback, v}, true
	}
	return resolved{}, false
}
