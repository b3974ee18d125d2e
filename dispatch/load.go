package dispatch

import (
	"fmt"
	"sync"
	"time"
)

// Day is a calendar day as yyyymmdd, in the time zone of whoever's capacity it counts.
type Day int32

// DayOf is the calendar day of t in loc.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return Day(y*10000 + int(m)*100 + d)
}

// String formats the day as 2006-01-02.
func (d Day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d/10000, d/100%100, d%100) }

// LoadSource tells the engine how many jobs a candidate (outlet, technician or, for
// return routing, warehouse) already has on a day.
type LoadSource interface {
	OpenJobs(id string, day Day) int
}

// Loads is a fixed LoadSource: open jobs per id per day.
type Loads map[string]map[Day]int

// OpenJobs implements LoadSource.
func (l Loads) OpenJobs(id string, day Day) int { return l[id][day] }

type loadKey struct {
	id  string
	day Day
}

// loadBook is the service's LoadSource: the counts of the dispatch_loads collection,
// kept in memory so a decision never waits on the database. Changes made in this
// process are applied to it at once; a reload replaces it with the stored counts but
// keeps what changed here after the reload began reading.
type loadBook struct {
	mu      sync.RWMutex
	m       map[loadKey]int
	seq     int64
	touched map[loadKey]int64 // key → seq of its last local change
}

func newLoadBook() *loadBook { return &loadBook{m: map[loadKey]int{}, touched: map[loadKey]int64{}} }

// OpenJobs implements LoadSource.
func (b *loadBook) OpenJobs(id string, day Day) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.m[loadKey{id, day}]
}

func (b *loadBook) add(id string, day Day, delta int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := loadKey{id, day}
	b.seq++
	b.m[k] += delta
	b.touched[k] = b.seq
}

// mark is taken before a reload reads the stored counts.
func (b *loadBook) mark() int64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.seq
}

// replace installs counts read after mark since, keeping local changes made since.
func (b *loadBook) replace(counts map[loadKey]int, since int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, seq := range b.touched {
		if seq > since {
			counts[k] = b.m[k]
		} else {
			delete(b.touched, k)
		}
	}
	b.m = counts
}
