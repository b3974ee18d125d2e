package dispatch

import (
	"time"
)

// bitset holds small integer ids (interned skills, categories, brands).
type bitset []uint64

func (b bitset) has(i int) bool {
	w := i >> 6
	return i >= 0 && w < len(b) && b[w]&(1<<(uint(i)&63)) != 0
}

func (b *bitset) set(i int) {
	w := i >> 6
	for len(*b) <= w {
		*b = append(*b, 0)
	}
	(*b)[w] |= 1 << (uint(i) & 63)
}

// vocab interns the names the index matches on, so a candidate's skills, categories
// and brands are bitsets and a filter is a few word tests.
type vocab struct{ skills, cats, brands map[string]int }

func newVocab() vocab {
	return vocab{skills: map[string]int{}, cats: map[string]int{}, brands: map[string]int{}}
}

func intern(m map[string]int, names []string) bitset {
	var b bitset
	for _, n := range names {
		id, ok := m[n]
		if !ok {
			id = len(m)
			m[n] = id
		}
		b.set(id)
	}
	return b
}

// lookup returns the id of name, or -1 when no candidate has it.
func lookup(m map[string]int, name string) int {
	if id, ok := m[name]; ok {
		return id
	}
	return -1
}

// builder turns a network snapshot into candidates.
type builder struct {
	n          Network
	vocab      vocab
	outlets    map[string]*Outlet
	hours      map[string]*weekSpans // per outlet
	shared     map[string]candidate  // per outlet: what its candidates take from it
	techSkills map[string][]bitset   // skill sets of active technicians, per outlet
	locs       map[string]*time.Location
	skipped    int
}

func newBuilder(n Network) *builder {
	b := &builder{n: n, vocab: newVocab(), outlets: make(map[string]*Outlet, len(n.Outlets)),
		hours: make(map[string]*weekSpans, len(n.Outlets)), shared: make(map[string]candidate, len(n.Outlets)),
		techSkills: map[string][]bitset{},
		locs:       map[string]*time.Location{}}
	for k := range n.Outlets {
		o := &n.Outlets[k]
		b.outlets[o.ID] = o
		h := compileHours(o.WorkingHours)
		b.hours[o.ID] = &h
	}
	for _, t := range n.Technicians {
		if o := b.outlets[t.OutletID]; o != nil && !o.InHouse() && t.Active {
			b.techSkills[o.ID] = append(b.techSkills[o.ID], intern(b.vocab.skills, t.Skills))
		}
	}
	return b
}

func (b *builder) candidates() []candidate {
	out := make([]candidate, 0, len(b.n.Technicians)+len(b.n.Outlets)/4)
	for k := range b.n.Outlets {
		if o := &b.n.Outlets[k]; !o.InHouse() {
			out = append(out, b.outletCandidate(o))
		}
	}
	for k := range b.n.Technicians {
		t := &b.n.Technicians[k]
		o := b.outlets[t.OutletID]
		switch {
		case o == nil:
			b.skipped++
		case o.InHouse():
			out = append(out, b.technicianCandidate(t, o))
		}
	}
	return out
}

func (b *builder) outletCandidate(o *Outlet) candidate {
	c := b.common(o)
	c.kind, c.id, c.name = CandidateOutlet, o.ID, o.Name
	c.lat, c.lon, c.pos, c.radiusKm = o.Lat, o.Lon, pointOf(o.Lat, o.Lon), o.ServiceRadiusKm
	c.skills = append([]bitset{intern(b.vocab.skills, o.Skills)}, b.techSkills[o.ID]...)
	c.quality, c.capacity = o.QualityScore, o.CapacityPerDay
	return c
}

func (b *builder) technicianCandidate(t *Technician, o *Outlet) candidate {
	c := b.common(o)
	c.kind, c.id, c.name = CandidateTechnician, t.ID, t.Name
	c.lat, c.lon, c.pos, c.radiusKm = t.Lat, t.Lon, pointOf(t.Lat, t.Lon), o.ServiceRadiusKm
	if t.ServiceRadiusKm > 0 {
		c.radiusKm = t.ServiceRadiusKm
	}
	if len(t.WorkingHours) > 0 {
		h := compileHours(t.WorkingHours)
		c.hours = &h
	}
	c.skills = []bitset{intern(b.vocab.skills, t.Skills)}
	c.quality, c.capacity, c.inactive = t.QualityScore, t.DailyCapacity, !t.Active
	return c
}

// common is what a candidate takes from its outlet: authorisations, rates, hours,
// time zone and suspension. It is compiled once per outlet; its bitsets are shared.
func (b *builder) common(o *Outlet) candidate {
	if c, ok := b.shared[o.ID]; ok {
		return c
	}
	c := candidate{outletID: o.ID, cats: intern(b.vocab.cats, o.Categories), labour: o.LabourRate,
		travelRate: o.TravelRatePerKm, hours: b.hours[o.ID], loc: b.location(o.TimeZone), suspended: o.Suspended}
	for _, br := range o.Brands {
		if br == AnyBrand {
			c.anyBrand = true
		}
	}
	c.brands = intern(b.vocab.brands, o.Brands)
	b.shared[o.ID] = c
	return c
}

// location loads a time zone once per build; an unknown one (validation prevents it)
// falls back to the default zone.
func (b *builder) location(name string) *time.Location {
	if name == "" {
		name = DefaultTimeZone
	}
	if l, ok := b.locs[name]; ok {
		return l
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		if l, err = time.LoadLocation(DefaultTimeZone); err != nil {
			l = time.UTC
		}
	}
	b.locs[name] = l
	return l
}

// warehouseEntry is a warehouse compiled for return routing.
type warehouseEntry struct {
	Warehouse
	pos point
	loc *time.Location
}

func (b *builder) warehouses(ws []Warehouse) []warehouseEntry {
	out := make([]warehouseEntry, len(ws))
	for k, w := range ws {
		out[k] = warehouseEntry{Warehouse: w, pos: pointOf(w.Lat, w.Lon), loc: b.location(w.TimeZone)}
	}
	return out
}
