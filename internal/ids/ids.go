// Package ids makes readable, time-sortable identifiers: a prefix naming the kind of
// object and a ULID (USR-01JD…, RMA-01JD…), so ids sort by creation time and a support
// agent can tell an RMA id from an order id at a glance.
package ids

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var (
	mu      sync.Mutex
	entropy = ulid.Monotonic(rand.Reader, 0)
)

// New returns prefix + "-" + a monotonic ULID.
func New(prefix string) string {
	return prefix + "-" + ULID()
}

// ULID returns a new monotonic ULID string; ids made in the same millisecond still sort
// in the order they were made.
func ULID() string {
	mu.Lock()
	defer mu.Unlock()
	return ulid.MustNew(ulid.Timestamp(time.Now()), entropy).String()
}
