package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// recorder keeps every latency sample per step; a load run records at most a few hundred
// thousand, so an exact sort beats an approximate histogram here.
type recorder struct {
	mu    sync.Mutex
	start time.Time
	steps map[string]*stepStats
	order []string
}

type stepStats struct {
	samples  []time.Duration
	statuses map[string]int // "201", "409", "net" …
	errors   int
}

func newRecorder() *recorder { return &recorder{start: time.Now(), steps: map[string]*stepStats{}} }

func (r *recorder) step(name string) *stepStats {
	s, ok := r.steps[name]
	if !ok {
		s = &stepStats{statuses: map[string]int{}}
		r.steps[name] = s
		r.order = append(r.order, name)
	}
	return s
}

// add records one call of step: its latency, its outcome, and whether it failed.
func (r *recorder) add(step string, d time.Duration, status string, failed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.step(step)
	s.samples = append(s.samples, d)
	s.statuses[status]++
	if failed {
		s.errors++
	}
}

// note records an outcome without a latency (a skipped or abandoned step).
func (r *recorder) note(step, status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.step(step)
	s.statuses[status]++
	s.errors++
}

// Summary is one step's figures.
type Summary struct {
	Step     string         `json:"step"`
	Count    int            `json:"count"`
	Errors   int            `json:"errors"`
	Statuses map[string]int `json:"statuses"`
	PerSec   float64        `json:"per_sec"`
	P50      float64        `json:"p50_ms"`
	P95      float64        `json:"p95_ms"`
	P99      float64        `json:"p99_ms"`
	Max      float64        `json:"max_ms"`
}

func (r *recorder) summaries(elapsed time.Duration) []Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Summary, 0, len(r.order))
	for _, name := range r.order {
		s := r.steps[name]
		sum := summarize(s.samples)
		sum.Step, sum.Errors, sum.Statuses = name, s.errors, copyMap(s.statuses)
		if elapsed > 0 {
			sum.PerSec = float64(len(s.samples)) / elapsed.Seconds()
		}
		out = append(out, sum)
	}
	return out
}

func copyMap(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// summarize computes count and nearest-rank percentiles over samples.
func summarize(samples []time.Duration) Summary {
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return Summary{Count: len(s), P50: ms(percentile(s, 50)), P95: ms(percentile(s, 95)),
		P99: ms(percentile(s, 99)), Max: ms(percentile(s, 100))}
}

// percentile is the nearest-rank percentile of sorted samples (0 when empty).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func printSummaries(w io.Writer, title string, sums []Summary) {
	fmt.Fprintf(w, "\n%s\n", title)
	fmt.Fprintf(w, "%-28s %7s %6s %8s %9s %9s %9s %9s  %s\n", "step", "count", "errors", "per_sec", "p50_ms", "p95_ms", "p99_ms", "max_ms", "statuses")
	for _, s := range sums {
		fmt.Fprintf(w, "%-28s %7d %6d %8.1f %9.1f %9.1f %9.1f %9.1f  %s\n", s.Step, s.Count, s.Errors, s.PerSec,
			s.P50, s.P95, s.P99, s.Max, statusLine(s.Statuses))
	}
}

func statusLine(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

// reset forgets everything recorded so far and restarts the clock.
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.start, r.steps, r.order = time.Now(), map[string]*stepStats{}, nil
}

// total is the sum of step's latencies: the busy time of a sequential loop.
func (r *recorder) total(step string) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var t time.Duration
	if s, ok := r.steps[step]; ok {
		for _, d := range s.samples {
			t += d
		}
	}
	return t
}
