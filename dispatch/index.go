package dispatch

import (
	"math"
	"slices"
	"strings"
	"time"
)

// defaultCellDeg is the grid cell size: 0.1° is about 11 km north-south, so a decision
// in a dense city scans a few cells around the job and stops.
const defaultCellDeg = 0.1

// candidate is an outsourced outlet or an in-house technician compiled for the engine.
type candidate struct {
	pos        point
	lat, lon   float64
	radiusKm   float64
	kind       string
	id         string
	outletID   string
	name       string
	skills     []bitset // eligible when any one set holds every skill the job needs
	cats       bitset
	brands     bitset
	anyBrand   bool
	labour     int64
	travelRate int64
	quality    int
	capacity   int
	hours      *weekSpans
	loc        *time.Location
	suspended  bool // its outlet is suspended
	inactive   bool // the technician is inactive
}

type cellSpan struct{ start, end int32 }

// Index is an immutable snapshot of the network for the engine: candidates bucketed in
// a grid of cellDeg × cellDeg cells, stored contiguously per cell, plus the bounds the
// search needs to stop early. Refreshing the network builds a new Index and swaps it in.
type Index struct {
	version    int64
	builtAt    time.Time
	cellDeg    float64
	cands      []candidate // sorted by cell
	cells      map[uint64]cellSpan
	minI, maxI int32 // occupied cells' bounding box
	minJ, maxJ int32
	byID       map[string]int32
	vocab      vocab
	minLabour  int64
	minRate    int64
	maxQuality int
	maxRadius  float64
	warehouses []warehouseEntry
	stats      IndexStats
}

// IndexStats describes an index, for operators.
type IndexStats struct {
	NetworkVersion int64     `json:"network_version"`
	BuiltAt        time.Time `json:"built_at"`
	Warehouses     int       `json:"warehouses"`
	Outlets        int       `json:"outlets"`
	Technicians    int       `json:"technicians"`
	Candidates     int       `json:"candidates" doc:"outsourced outlets and in-house technicians the engine can choose"`
	Cells          int       `json:"cells"`
	Skipped        int       `json:"skipped" doc:"technicians whose outlet is unknown"`
}

// Stats describes the index.
func (ix *Index) Stats() IndexStats { return ix.stats }

// Version is the network version the index was built from.
func (ix *Index) Version() int64 { return ix.version }

// BuildIndex compiles a network snapshot taken at network version into an index.
func BuildIndex(n Network, version int64, builtAt time.Time) *Index {
	return buildIndex(n, version, builtAt, defaultCellDeg)
}

func buildIndex(n Network, version int64, builtAt time.Time, cellDeg float64) *Index {
	b := newBuilder(n)
	ix := &Index{version: version, builtAt: builtAt, cellDeg: cellDeg, vocab: b.vocab}
	ix.cands = b.candidates()
	ix.warehouses = b.warehouses(n.Warehouses)
	ix.grid()
	ix.bounds()
	ix.stats = IndexStats{NetworkVersion: version, BuiltAt: builtAt, Warehouses: len(n.Warehouses),
		Outlets: len(n.Outlets), Technicians: len(n.Technicians), Candidates: len(ix.cands),
		Cells: len(ix.cells), Skipped: b.skipped}
	return ix
}

func (ix *Index) cellOf(lat, lon float64) (int32, int32) {
	return int32(math.Floor(lat / ix.cellDeg)), int32(math.Floor(lon / ix.cellDeg))
}

func cellKey(i, j int32) uint64 { return uint64(uint32(i))<<32 | uint64(uint32(j)) }

// grid sorts the candidates by cell and records each cell's span and the bounding box.
func (ix *Index) grid() {
	keys := make([]uint64, len(ix.cands))
	order := make([]int, len(ix.cands))
	ix.minI, ix.minJ, ix.maxI, ix.maxJ = math.MaxInt32, math.MaxInt32, math.MinInt32, math.MinInt32
	for k := range ix.cands {
		c := &ix.cands[k]
		i, j := ix.cellOf(c.lat, c.lon)
		keys[k], order[k] = cellKey(i, j), k
		ix.minI, ix.maxI = min(ix.minI, i), max(ix.maxI, i)
		ix.minJ, ix.maxJ = min(ix.minJ, j), max(ix.maxJ, j)
	}
	slices.SortFunc(order, func(a, b int) int {
		if keys[a] != keys[b] {
			if keys[a] < keys[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(ix.cands[a].id, ix.cands[b].id)
	})
	sorted := make([]candidate, len(order))
	ix.cells = make(map[uint64]cellSpan)
	ix.byID = make(map[string]int32, len(order))
	for pos, k := range order {
		sorted[pos] = ix.cands[k]
		ix.byID[sorted[pos].id] = int32(pos)
		span := ix.cells[keys[k]]
		if span.end == 0 {
			span.start = int32(pos)
		}
		span.end = int32(pos) + 1
		ix.cells[keys[k]] = span
	}
	ix.cands = sorted
}

// bounds records the network-wide minima and maxima the search's lower bound uses.
func (ix *Index) bounds() {
	ix.minLabour, ix.minRate = math.MaxInt64, math.MaxInt64
	for k := range ix.cands {
		c := &ix.cands[k]
		ix.minLabour, ix.minRate = min(ix.minLabour, c.labour), min(ix.minRate, c.travelRate)
		ix.maxQuality, ix.maxRadius = max(ix.maxQuality, c.quality), max(ix.maxRadius, c.radiusKm)
	}
	if len(ix.cands) == 0 {
		ix.minLabour, ix.minRate = 0, 0
	}
}

// ringMinKm is a lower bound of the distance from the job at p (in cell i, j) to any
// point of the cells in ring r (the cells at Chebyshev distance r). Every such cell is
// r rows or r columns away. r rows away is at least (r-1) cells plus the job's distance
// to its own cell's edge in latitude, and a great-circle distance is never shorter than
// its latitude difference. r columns away is a longitude difference of at least d, and
// the nearest point of that lune to p lies on its boundary meridian, at the cross-track
// distance asin(cos φ · sin d) (d capped at 90°, where the lune reaches the pole).
func (ix *Index) ringMinKm(p point, lat, lon float64, i, j int32, r int) float64 {
	if r == 0 {
		return 0
	}
	cs := ix.cellDeg
	latEdge := min(lat-float64(i)*cs, float64(i+1)*cs-lat)
	lonEdge := min(lon-float64(j)*cs, float64(j+1)*cs-lon)
	dLat := (float64(r-1)*cs + max(latEdge, 0)) * degToRad
	dLon := min((float64(r-1)*cs+max(lonEdge, 0))*degToRad, math.Pi/2)
	byLat := earthRadiusKm * dLat
	byLon := earthRadiusKm * math.Asin(math.Min(1, p.cosPhi*math.Sin(dLon)))
	// A hair less, so rounding can never put a candidate nearer than its ring's bound.
	return math.Max(0, math.Min(byLat, byLon)-1e-6)
}

// ringOutside reports whether ring r around cell (i, j), and so every later ring, lies
// outside the occupied bounding box.
func (ix *Index) ringOutside(i, j int32, r int) bool {
	r32 := int32(r)
	return i-r32 < ix.minI && i+r32 > ix.maxI && j-r32 < ix.minJ && j+r32 > ix.maxJ
}
