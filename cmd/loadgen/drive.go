package main

import (
	"context"
	"maps"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// stages says which parts of the flows the server can run; the rest are skipped and
// reported as such.
type stages struct {
	rma, service, mobile bool
	skipped              []string
}

func detect(ctx context.Context, a *api, cfg config) (stages, error) {
	paths, err := a.paths(ctx)
	if err != nil {
		return stages{}, err
	}
	st := stages{rma: paths["/api/v1/rmas/{id}/approve"], service: paths["/api/v1/outlet/offers/{id}/accept"]}
	for p := range paths {
		if len(p) > 10 && p[:10] == "/mobile/v1" {
			st.mobile = true
		}
	}
	if !st.rma {
		st.skipped = append(st.skipped, "RMA steps (approve, return shipment, warehouse receipt): the server has no /api/v1/rmas")
	}
	if !st.service {
		st.skipped = append(st.skipped, "service-order steps (assignment, outlet accept): the server has no /api/v1/outlet/offers")
	}
	switch {
	case !st.mobile:
		st.skipped = append(st.skipped, "technician steps (check-in, completion): no mobile API (/mobile/v1) on the server")
	case !cfg.Technician:
		st.skipped = append(st.skipped, "technician steps: disabled by -technician=false")
		st.mobile = false
	}
	return st, nil
}

// flowCounts counts flows by outcome.
type flowCounts struct {
	Started  int64 `json:"started"`
	Finished int64 `json:"finished"`
	Failed   int64 `json:"failed"`
	RMA      int64 `json:"rma"`
	Service  int64 `json:"service"`
}

// flows runs the agents' work: one flow per complaint.
type flows struct {
	api *api
	cfg config
	net *network
	st  stages
	e2e *recorder

	mu    sync.Mutex
	rnd   *rand.Rand
	flags map[string]int // check-in rule flags raised on the technicians' events, by name
	n     flowCounts
	seq   atomic.Int64
}

func (f *flows) counts() flowCounts {
	return flowCounts{Started: atomic.LoadInt64(&f.n.Started), Finished: atomic.LoadInt64(&f.n.Finished),
		Failed: atomic.LoadInt64(&f.n.Failed), RMA: atomic.LoadInt64(&f.n.RMA), Service: atomic.LoadInt64(&f.n.Service)}
}

// drive runs flows until the duration or count is reached and returns the elapsed time.
func (f *flows) drive(ctx context.Context) time.Duration {
	f.e2e = newRecorder()
	f.flags = map[string]int{}
	start := time.Now()
	flowCtx := ctx // flows in flight finish after the duration ends; none start
	if f.cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.cfg.Duration)
		defer cancel()
	}
	stop := f.progress(ctx, start)
	defer stop()
	var wg sync.WaitGroup
	if f.cfg.Rate > 0 {
		f.openLoop(ctx, flowCtx, &wg)
	} else {
		f.closedLoop(ctx, flowCtx, &wg)
	}
	wg.Wait()
	return time.Since(start)
}

// take reserves the next flow number, or reports that the count is spent.
func (f *flows) take() (int64, bool) {
	n := f.seq.Add(1)
	return n, f.cfg.Count == 0 || n <= int64(f.cfg.Count)
}

func (f *flows) closedLoop(ctx, flowCtx context.Context, wg *sync.WaitGroup) {
	for range f.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				n, ok := f.take()
				if !ok {
					return
				}
				f.one(flowCtx, n)
			}
		}()
	}
}

// openLoop starts flows on a fixed schedule whatever the server's speed, so a slow
// server shows as latency, not as a politely lower rate.
func (f *flows) openLoop(ctx, flowCtx context.Context, wg *sync.WaitGroup) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / f.cfg.Rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			n, ok := f.take()
			if !ok {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); f.one(flowCtx, n) }()
		}
	}
}

func (f *flows) progress(ctx context.Context, start time.Time) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				c := f.counts()
				el := time.Since(start)
				f.cfg.progress("%5.0fs flows started %d finished %d failed %d (%.1f finished/s)",
					el.Seconds(), c.Started, c.Finished, c.Failed, float64(c.Finished)/el.Seconds())
			}
		}
	}()
	return func() { close(done) }
}

// flagged counts the flags the server raised on one visit event.
func (f *flows) flagged(step string, flags []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, fl := range flags {
		f.flags[step+": "+fl]++
	}
}

func (f *flows) flagCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.flags)
}
