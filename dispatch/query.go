package dispatch

import (
	"fmt"
	"strconv"
	"time"
)

// filter is why a candidate is not eligible; candidates are counted under the first
// filter they fail, in this order (Reason lists them in a fixed order too).
type filter int

const (
	eligible filter = iota
	fExcluded
	fInactive
	fSuspended
	fSkill
	fCategory
	fBrand
	fRadius
	fHours
	fCapacity
	nFilters
)

// query is one decision in progress.
type query struct {
	cfg       *EngineConfig
	fees      LabourFees
	load      LoadSource
	ix        *Index
	job       Job
	now       time.Time
	p         point
	from, to  time.Time // the window the visit must start in
	skills    []int     // interned job skills; -1 when no candidate has one
	cat       int
	brand     int
	excluded  []int32
	minLabour int64
	top       []Scored
	filtered  [nFilters]int
	skillMiss []int // per job skill: candidates filtered for lacking it
	examined  int
	eligible  int
}

func (e *Engine) newQuery(ix *Index, job Job, exclude []string, now time.Time) *query {
	q := &query{cfg: &e.cfg, fees: e.fees, load: e.load, ix: ix, job: job, now: now,
		p: pointOf(job.Lat, job.Lon), cat: lookup(ix.vocab.cats, job.Category),
		brand: lookup(ix.vocab.brands, job.Brand), top: make([]Scored, 0, e.cfg.TopK),
		skills: make([]int, len(job.Skills)), skillMiss: make([]int, len(job.Skills))}
	for i, s := range job.Skills {
		q.skills[i] = lookup(ix.vocab.skills, s)
	}
	for _, id := range exclude {
		if k, ok := ix.byID[id]; ok {
			q.excluded = append(q.excluded, k)
		}
	}
	q.from, q.to = job.Window.Start, job.Window.End
	if q.from.Before(now) {
		q.from = now
	}
	if job.Window.End.IsZero() {
		q.to = q.from.Add(e.cfg.OpenWindow)
	}
	q.minLabour = e.minLabour(ix, job)
	return q
}

// minLabour is a lower bound of any candidate's labour fee for job.
func (e *Engine) minLabour(ix *Index, job Job) int64 {
	if e.fees == nil {
		return ix.minLabour
	}
	if f, ok := e.fees.(LabourFloor); ok {
		return max(0, min(f.MinLabourFee(job), ix.minLabour))
	}
	return 0
}

// evaluate applies the filters to candidate k and costs it when it passes them all.
func (q *query) evaluate(k int32) (Scored, filter) {
	c := &q.ix.cands[k]
	for _, x := range q.excluded {
		if x == k {
			return Scored{}, fExcluded
		}
	}
	switch {
	case c.inactive:
		return Scored{}, fInactive
	case c.suspended:
		return Scored{}, fSuspended
	}
	// Authorisation first: a few bit tests spare most candidates the distance.
	if f := q.authorised(c); f != eligible {
		return Scored{}, f
	}
	d := distanceKm(c.pos, q.p)
	if d > c.radiusKm {
		return Scored{}, fRadius
	}
	start, ok := c.hours.firstWorking(q.from, q.to, c.loc)
	if !ok {
		return Scored{}, fHours
	}
	open := 0
	if q.load != nil {
		open = q.load.OpenJobs(c.id, DayOf(start, c.loc))
	}
	if open >= c.capacity {
		return Scored{}, fCapacity
	}
	return q.cost(c, d, start, open), eligible
}

func (q *query) authorised(c *candidate) filter {
	switch {
	case !q.hasSkills(c):
		return fSkill
	case !c.cats.has(q.cat):
		return fCategory
	case !c.anyBrand && !c.brands.has(q.brand):
		return fBrand
	}
	return eligible
}

// hasSkills reports whether one of the candidate's skill sets (the outlet's declared
// skills, or one technician's) holds every skill of the job, and otherwise counts the
// first job skill that none of its sets holds.
func (q *query) hasSkills(c *candidate) bool {
	for _, set := range c.skills {
		if holdsAll(set, q.skills) {
			return true
		}
	}
	miss := 0
	for i, s := range q.skills {
		if !anyHolds(c.skills, s) {
			miss = i
			break
		}
	}
	if len(q.skillMiss) > 0 {
		q.skillMiss[miss]++
	}
	return false
}

func holdsAll(set bitset, skills []int) bool {
	for _, s := range skills {
		if !set.has(s) {
			return false
		}
	}
	return true
}

func anyHolds(sets []bitset, s int) bool {
	for _, set := range sets {
		if set.has(s) {
			return true
		}
	}
	return false
}

func (q *query) cost(c *candidate, d float64, start time.Time, open int) Scored {
	b := Breakdown{Labour: c.labour, Travel: q.cfg.travelCost(d, c.travelRate),
		Quality: q.cfg.qualityPenalty(c.quality), Load: q.cfg.loadTerm(open, c.capacity)}
	if q.fees != nil {
		if fee, ok := q.fees.LabourFee(Candidate{Kind: c.kind, ID: c.id, OutletID: c.outletID}, q.job); ok {
			b.Labour = fee
		}
	}
	eta := q.cfg.arrival(start, d)
	b.SLARisk = q.cfg.slaRisk(eta, q.job.ResolveBy, q.job.Priority)
	b.Total = b.Labour + b.Travel + b.SLARisk + b.Quality + b.Load
	return Scored{Kind: c.kind, ID: c.id, OutletID: c.outletID, Name: c.name, DistanceKm: d, ETA: eta, Cost: b}
}

// decision explains the search's result.
func (q *query) decision() Decision {
	d := Decision{Top: q.top, DecidedAt: q.now, NetworkVersion: q.ix.version, Currency: q.cfg.Currency,
		Examined: q.examined}
	for i := range d.Top {
		d.Top[i].Why = why(d.Top[i], d.Top[0], i, q.job, q.ix.cands[q.ix.byID[d.Top[i].ID]].loc)
	}
	if len(d.Top) == 0 {
		d.Reason = q.noCandidate()
		return d
	}
	chosen := d.Top[0]
	d.Chosen = &chosen
	d.Reason = fmt.Sprintf("cheapest of %d eligible candidates", q.eligible)
	if out := q.filteredText(); out != "" {
		d.Reason += "; filtered out: " + out
	}
	return d
}

func (q *query) noCandidate() string {
	if q.examined == 0 {
		return fmt.Sprintf("no eligible candidate: no outlet or technician within %.0f km, the largest service radius",
			q.ix.maxRadius)
	}
	return "no eligible candidate: " + q.filteredText()
}

// filteredText lists how many candidates each filter removed, e.g. "3 outside radius,
// 2 no skill 'ac_repair', 1 suspended".
func (q *query) filteredText() string {
	b := make([]byte, 0, 128)
	add := func(n int, text, quoted string) {
		if n == 0 {
			return
		}
		if len(b) > 0 {
			b = append(b, ", "...)
		}
		b = append(strconv.AppendInt(b, int64(n), 10), ' ')
		b = append(b, text...)
		if quoted != "" {
			b = append(append(append(b, " '"...), quoted...), '\'')
		}
	}
	add(q.filtered[fExcluded], "already declined or let an offer expire", "")
	add(q.filtered[fInactive], "inactive", "")
	add(q.filtered[fSuspended], "suspended", "")
	add(q.filtered[fRadius], "outside radius", "")
	for i, n := range q.skillMiss {
		add(n, "no skill", q.job.Skills[i])
	}
	add(q.filtered[fCategory], "not authorised for category", q.job.Category)
	add(q.filtered[fBrand], "not authorised for brand", q.job.Brand)
	add(q.filtered[fHours], "not working in the window", "")
	add(q.filtered[fCapacity], "fully booked that day", "")
	return string(b)
}
