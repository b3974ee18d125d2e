package dispatch

import (
	"sync/atomic"
	"time"
)

// Scored is an eligible candidate with its cost.
type Scored struct {
	Kind       string    `json:"kind" bson:"kind" doc:"outlet (its manager assigns a technician) or technician (in-house, offered directly)"`
	ID         string    `json:"id" bson:"id"`
	OutletID   string    `json:"outlet_id" bson:"outlet_id"`
	Name       string    `json:"name" bson:"name"`
	DistanceKm float64   `json:"distance_km" bson:"distance_km" doc:"straight line from the candidate's base"`
	ETA        time.Time `json:"eta" bson:"eta" doc:"earliest arrival: first working moment in the window plus travel time"`
	Cost       Breakdown `json:"cost" bson:"cost"`
	Why        string    `json:"why" bson:"why"`
}

// Decision is the engine's answer for one job: the chosen candidate (nil when none is
// eligible, and then Reason says what filtered them out), the best candidates with their
// cost breakdown, and the network version it was decided on. It is stored as is on the
// order, so a dispatcher can see why.
type Decision struct {
	Chosen         *Scored   `json:"chosen,omitempty" bson:"chosen,omitempty"`
	Top            []Scored  `json:"top" bson:"top"`
	Reason         string    `json:"reason" bson:"reason"`
	DecidedAt      time.Time `json:"decided_at" bson:"decided_at"`
	NetworkVersion int64     `json:"network_version" bson:"network_version"`
	Currency       string    `json:"currency" bson:"currency"`
	Examined       int       `json:"examined" bson:"examined" doc:"candidates looked at before the search could stop"`
}

// NeedsDispatcher reports whether no candidate was found, so a dispatcher must act.
func (d Decision) NeedsDispatcher() bool { return d.Chosen == nil }

// Engine decides in memory over the current Index; it never reads the database.
type Engine struct {
	cfg   EngineConfig
	fees  LabourFees
	load  LoadSource
	index atomic.Pointer[Index]
}

// NewEngine returns an engine with cfg (zero fields take defaults). fees may be nil
// (outlets' labour rates apply) and so may load (nobody has open jobs).
func NewEngine(cfg EngineConfig, fees LabourFees, load LoadSource) *Engine {
	e := &Engine{cfg: cfg.withDefaults(), fees: fees, load: load}
	e.index.Store(buildIndex(Network{}, 0, time.Time{}, defaultCellDeg))
	return e
}

// Use swaps in ix; decisions already running finish on the index they started with.
func (e *Engine) Use(ix *Index) { e.index.Store(ix) }

// Index is the index decisions currently use.
func (e *Engine) Index() *Index { return e.index.Load() }

// Config is the engine's configuration with defaults applied.
func (e *Engine) Config() EngineConfig { return e.cfg }

// Decide picks the lowest-cost eligible candidate for job at now, skipping the
// candidates in exclude (those that already declined or let an offer expire).
func (e *Engine) Decide(job Job, exclude []string, now time.Time) Decision {
	ix := e.index.Load()
	q := e.newQuery(ix, job, exclude, now)
	q.search()
	return q.decision()
}

// search scans rings of cells outward from the job's cell. It stops when the ring is
// beyond every service radius, when no occupied cell is left, or when even the cheapest
// imaginable candidate in the ring (lowest labour in the network, lowest travel rate
// over the ring's minimum distance, best quality, and the SLA penalty of arriving over
// that distance) would cost more than the k-th best found so far. Every cost term is
// non-negative and non-decreasing in distance, so no skipped candidate can beat it.
func (q *query) search() {
	ix := q.ix
	if len(ix.cands) == 0 {
		return
	}
	ci, cj := ix.cellOf(q.job.Lat, q.job.Lon)
	for r := 0; ; r++ {
		lb := ix.ringMinKm(q.p, q.job.Lat, q.job.Lon, ci, cj, r)
		if lb > ix.maxRadius || ix.ringOutside(ci, cj, r) {
			return
		}
		if q.full() && q.lowerBound(lb) > q.top[len(q.top)-1].Cost.Total {
			return
		}
		q.scanRing(ci, cj, int32(r))
	}
}

// scanRing visits the occupied cells at Chebyshev distance r from (ci, cj), clipped
// to the bounding box.
func (q *query) scanRing(ci, cj, r int32) {
	ix := q.ix
	if r == 0 {
		q.scanCell(ci, cj)
		return
	}
	jLo, jHi := max(cj-r, ix.minJ), min(cj+r, ix.maxJ)
	for _, i := range [2]int32{ci - r, ci + r} {
		if i >= ix.minI && i <= ix.maxI {
			for j := jLo; j <= jHi; j++ {
				q.scanCell(i, j)
			}
		}
	}
	iLo, iHi := max(ci-r+1, ix.minI), min(ci+r-1, ix.maxI)
	for _, j := range [2]int32{cj - r, cj + r} {
		if j >= ix.minJ && j <= ix.maxJ {
			for i := iLo; i <= iHi; i++ {
				q.scanCell(i, j)
			}
		}
	}
}

func (q *query) scanCell(i, j int32) {
	s, ok := q.ix.cells[cellKey(i, j)]
	if !ok {
		return
	}
	for k := s.start; k < s.end; k++ {
		q.consider(k)
	}
}

// consider evaluates candidate k and keeps it when it is among the best.
func (q *query) consider(k int32) {
	q.examined++
	s, why := q.evaluate(k)
	if why != eligible {
		q.filtered[why]++
		return
	}
	q.eligible++
	q.offer(s)
}

// lowerBound is the least cost any candidate at least lbKm away could have.
func (q *query) lowerBound(lbKm float64) int64 {
	eta := q.cfg.arrival(q.from, lbKm)
	return q.minLabour + q.cfg.travelCost(lbKm, q.ix.minRate) + q.cfg.qualityPenalty(q.ix.maxQuality) +
		q.cfg.slaRisk(eta, q.job.ResolveBy, q.job.Priority)
}

// less orders scored candidates by total cost, then id, so decisions are deterministic.
func less(a, b *Scored) bool {
	if a.Cost.Total != b.Cost.Total {
		return a.Cost.Total < b.Cost.Total
	}
	return a.ID < b.ID
}

func (q *query) full() bool { return len(q.top) == cap(q.top) }

// offer inserts s into the sorted top-k.
func (q *query) offer(s Scored) {
	if q.full() && !less(&s, &q.top[len(q.top)-1]) {
		return
	}
	if !q.full() {
		q.top = append(q.top, s)
	}
	k := len(q.top) - 1
	for ; k > 0 && less(&s, &q.top[k-1]); k-- {
		q.top[k] = q.top[k-1]
	}
	q.top[k] = s
}
