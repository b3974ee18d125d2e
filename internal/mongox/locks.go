package mongox

import (
	"hash/maphash"
	"sync"
)

// lockTable serialises writes to one document (striped by collection and id) and lets a
// multi-document write exclude them all. A nil table locks nothing: MongoDB needs none.
type lockTable struct {
	seed    maphash.Seed
	stripes [1024]sync.Mutex
	mu      sync.Mutex
	colls   map[string]*sync.RWMutex
}

func newLockTable() *lockTable {
	return &lockTable{seed: maphash.MakeSeed(), colls: map[string]*sync.RWMutex{}}
}

func (t *lockTable) coll(key string) *sync.RWMutex {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.colls[key]
	if !ok {
		m = &sync.RWMutex{}
		t.colls[key] = m
	}
	return m
}

func (t *lockTable) lockDoc(coll, id string) func() {
	if t == nil {
		return func() {}
	}
	c := t.coll(coll)
	c.RLock()
	s := &t.stripes[maphash.String(t.seed, coll+"\x00"+id)%uint64(len(t.stripes))]
	s.Lock()
	return func() { s.Unlock(); c.RUnlock() }
}

func (t *lockTable) lockAll(coll string) func() {
	if t == nil {
		return func() {}
	}
	c := t.coll(coll)
	c.Lock()
	return c.Unlock
}
