package fees

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// scheduleCache holds every schedule compiled, keyed by outlet id ("" for the default).
// Readers load one immutable snapshot without locking, so LabourFee stays cheap inside
// the dispatch engine's hot loop; writers copy the map and swap it.
type scheduleCache struct {
	snap atomic.Pointer[map[string]*compiledSchedule]
	mu   sync.Mutex // serialises writers
}

func newScheduleCache() *scheduleCache {
	c := &scheduleCache{}
	empty := map[string]*compiledSchedule{}
	c.snap.Store(&empty)
	return c
}

func (c *scheduleCache) get(outletID string) *compiledSchedule { return (*c.snap.Load())[outletID] }

func (c *scheduleCache) all() map[string]*compiledSchedule { return *c.snap.Load() }

func (c *scheduleCache) put(s *compiledSchedule) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := maps.Clone(*c.snap.Load())
	next[s.outletID] = s
	c.snap.Store(&next)
}

func (c *scheduleCache) replace(all map[string]*compiledSchedule) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap.Store(&all)
}

var scheduleProjection = bson.D{{Key: "history", Value: 0}, {Key: "outbox", Value: 0}, {Key: "outbox_dead", Value: 0}}

// LoadSchedules (re)reads every schedule into the in-memory cache LabourFee reads.
// EnsureIndexes calls it at start-up; schedule changes made through this service update
// the cache at once, and the fees:schedule_changed handler updates the worker's.
func (s *Service) LoadSchedules(ctx context.Context) error {
	var docs []scheduleDoc
	if err := s.schedules.Collection().Find(ctx, bson.D{}, &docs, options.Find().SetProjection(scheduleProjection)); err != nil {
		return err
	}
	all := make(map[string]*compiledSchedule, len(docs))
	for _, d := range docs {
		all[d.OutletID] = compile(d)
	}
	s.cache.replace(all)
	return nil
}

// WatchSchedules reloads the cache every interval until ctx ends. Run it in processes
// that serve LabourFee while another process changes schedules (several API or worker
// processes against one MongoDB); a single process needs no watcher.
func (s *Service) WatchSchedules(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.LoadSchedules(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "fee schedule cache reload failed", "err", err)
			}
		}
	}
}

// LabourFee is the labour amount (minor units) of a job for an outlet at time at, from
// the outlet's schedule version in force then, else the default schedule's. ok is false
// when no schedule prices it. It reads only the in-memory cache: no database access.
func (s *Service) LabourFee(outletID, serviceType, category, region string, at time.Time) (amount int64, ok bool) {
	r, ok := resolve(s.cache.get(outletID), s.cache.get(""), at)
	if !ok {
		return 0, false
	}
	row, ok := r.version.labour.match(serviceType, category, region)
	return row.Amount, ok
}

// MinLabourFee is the lowest labour amount any outlet could be charged for the job at
// time at (the dispatch engine's lower bound for pruning its search); ok is false when
// no schedule prices it.
func (s *Service) MinLabourFee(serviceType, category, region string, at time.Time) (amount int64, ok bool) {
	for _, sch := range s.cache.all() {
		v, in := sch.at(at)
		if !in {
			continue
		}
		if row, m := v.labour.match(serviceType, category, region); m && (!ok || row.Amount < amount) {
			amount, ok = row.Amount, true
		}
	}
	return amount, ok
}
