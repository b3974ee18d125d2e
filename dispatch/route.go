package dispatch

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
)

// RouteReturn picks the warehouse a return of category goes to: active, handling the
// category, with receiving capacity left today (in its time zone), and nearest to the
// customer at lat, lon; ties go to the lower id. When none qualifies it answers a
// conflict that says why each warehouse was ruled out.
func (s *Service) RouteReturn(category string, lat, lon float64, now time.Time) (Warehouse, error) {
	return routeReturn(s.engine.Index(), s.book, category, lat, lon, now)
}

func routeReturn(ix *Index, load LoadSource, category string, lat, lon float64, now time.Time) (Warehouse, error) {
	var inactive, other, full int
	best, bestKm := -1, 0.0
	p := pointOf(lat, lon)
	for k := range ix.warehouses {
		w := &ix.warehouses[k]
		switch {
		case !w.Active:
			inactive++
			continue
		case !slices.Contains(w.Categories, category):
			other++
			continue
		case load != nil && load.OpenJobs(w.ID, DayOf(now, w.loc)) >= w.ReceivingCapacity:
			full++
			continue
		}
		km := distanceKm(w.pos, p)
		if best < 0 || km < bestKm || (km == bestKm && w.ID < ix.warehouses[best].ID) {
			best, bestKm = k, km
		}
	}
	if best < 0 {
		return Warehouse{}, apperr.Conflict("no warehouse can receive a return of category '%s'%s",
			category, ruledOut(inactive, other, full))
	}
	return ix.warehouses[best].Warehouse, nil
}

func ruledOut(inactive, other, full int) string {
	var parts []string
	for _, c := range []struct {
		n    int
		what string
	}{{other, "do not handle it"}, {full, "full today"}, {inactive, "inactive"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.what))
		}
	}
	if len(parts) == 0 {
		return ": there are no warehouses"
	}
	return ": " + strings.Join(parts, ", ")
}
