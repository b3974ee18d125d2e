// Package clock lets services read the time through an interface, so tests can move
// SLA clocks, offer deadlines and token expiry forward without sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Real is the wall clock, in UTC and truncated to milliseconds (what BSON dates keep),
// so a value read back from the database equals the one written.
type Real struct{}

// Now returns the current UTC time at millisecond precision.
func (Real) Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// Manual is a clock that moves only when told to.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// NewManual starts a manual clock at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t.UTC().Truncate(time.Millisecond)} }

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = t.UTC().Truncate(time.Millisecond)
}
