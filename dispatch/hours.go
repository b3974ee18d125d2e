package dispatch

import (
	"strconv"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
)

// WeekHours are opening hours per weekday key (mon … sun) in the owner's time zone; a
// day without an entry is a day off. Shifts past midnight are not modelled: a 24-hour
// service is 00:00–24:00.
type WeekHours map[string]Span

// Span is one day's working time, "HH:MM" to "HH:MM", Open before Close.
type Span struct {
	Open  string `bson:"open"`
	Close string `bson:"close"`
}

// weekdayKeys maps time.Weekday (Sunday = 0) to the keys used in WeekHours.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// DefaultHours is what an outlet works when it declares nothing: 08:00–20:00 every day.
func DefaultHours() WeekHours {
	h := WeekHours{}
	for _, k := range weekdayKeys {
		h[k] = Span{Open: "08:00", Close: "20:00"}
	}
	return h
}

// parseHours reads the API form {"mon": ["08:00", "20:00"], …} and records problems
// under field.
func parseHours(f apperr.Fields, field string, in map[string][]string) WeekHours {
	out := WeekHours{}
	for k, v := range in {
		key := field + "." + k
		if !isWeekday(k) {
			f.Add(key, "is not a weekday key: use mon, tue, wed, thu, fri, sat or sun")
			continue
		}
		if len(v) != 2 {
			f.Add(key, `must be ["HH:MM", "HH:MM"]`)
			continue
		}
		open, ok1 := clockMinutes(v[0])
		closing, ok2 := clockMinutes(v[1])
		switch {
		case !ok1 || !ok2:
			f.Add(key, "times must be HH:MM between 00:00 and 24:00")
		case open >= closing:
			f.Add(key, "opening time must be before closing time")
		default:
			out[k] = Span{Open: v[0], Close: v[1]}
		}
	}
	return out
}

// apiForm is the hours as the API shows them.
func (h WeekHours) apiForm() map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, s := range h {
		out[k] = []string{s.Open, s.Close}
	}
	return out
}

func isWeekday(k string) bool {
	for _, w := range weekdayKeys {
		if w == k {
			return true
		}
	}
	return false
}

// clockMinutes parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func clockMinutes(s string) (int, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// weekSpans is WeekHours compiled for the engine: minutes after midnight per
// time.Weekday, open == close meaning a day off.
type weekSpans [7]struct{ open, close int16 }

func compileHours(h WeekHours) weekSpans {
	var w weekSpans
	for i, k := range weekdayKeys {
		if s, ok := h[k]; ok {
			o, _ := clockMinutes(s.Open)
			c, _ := clockMinutes(s.Close)
			w[i].open, w[i].close = int16(o), int16(c)
		}
	}
	return w
}

// maxWindowDays bounds how many days a window is searched for working time.
const maxWindowDays = 14

// firstWorking returns the earliest instant in [from, to) at which the hours are open,
// read in loc.
func (w *weekSpans) firstWorking(from, to time.Time, loc *time.Location) (time.Time, bool) {
	local := from.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	for i := 0; i < maxWindowDays && day.Before(to); i++ {
		s := w[day.Weekday()]
		if s.open < s.close {
			start := day.Add(time.Duration(s.open) * time.Minute)
			end := day.Add(time.Duration(s.close) * time.Minute)
			if start.Before(from) {
				start = from
			}
			if end.After(to) {
				end = to
			}
			if start.Before(end) {
				return start, true
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}, false
}
