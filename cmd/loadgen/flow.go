package main

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"
)

// job is one flow's state as it moves through the steps.
type job struct {
	n           int64
	agent       string
	customer    customer
	product     int
	rma         bool
	salesOrder  string
	serial      string
	complaint   string
	complaintAt time.Time
}

func (f *flows) newJob(n int64) job {
	f.mu.Lock()
	defer f.mu.Unlock()
	return job{n: n, agent: f.net.agents[int(n)%len(f.net.agents)],
		customer: f.net.customers[f.rnd.IntN(len(f.net.customers))],
		product:  f.rnd.IntN(len(products)), rma: f.rnd.Float64() < f.cfg.MixRMA}
}

// one runs a whole flow and counts its outcome.
func (f *flows) one(ctx context.Context, n int64) {
	atomic.AddInt64(&f.n.Started, 1)
	j := f.newJob(n)
	err := f.steps(ctx, &j)
	switch {
	case err != nil:
		atomic.AddInt64(&f.n.Failed, 1)
		f.cfg.progress("flow %d failed: %v", n, err)
	default:
		atomic.AddInt64(&f.n.Finished, 1)
	}
	if j.rma {
		atomic.AddInt64(&f.n.RMA, 1)
	} else {
		atomic.AddInt64(&f.n.Service, 1)
	}
}

func (f *flows) steps(ctx context.Context, j *job) error {
	for _, step := range []func(context.Context, *job) error{f.importOrder, f.createComplaint, f.triage} {
		if err := step(ctx, j); err != nil {
			return err
		}
	}
	switch {
	case j.rma && f.st.rma:
		return f.rmaStage(ctx, j)
	case !j.rma && f.st.service:
		return f.serviceStage(ctx, j)
	}
	return nil
}

func (f *flows) importOrder(ctx context.Context, j *job) error {
	j.serial = fmt.Sprintf("SN-LG-%s-%d", f.net.run, j.n)
	delivered := time.Now().UTC().Add(-48 * time.Hour).Format(time.RFC3339)
	var out struct{ ID string }
	err := f.api.call(ctx, "import sales order", j.agent, http.MethodPost, "/api/v1/sales-orders", map[string]any{
		"shop": "loadgen", "shop_order_no": fmt.Sprintf("LG-%s-%d", f.net.run, j.n), "customer_id": j.customer.ID,
		"ordered_at": time.Now().UTC().Add(-72 * time.Hour).Format(time.RFC3339), "currency": "CNY",
		"lines": []any{map[string]any{"line_no": 1, "sku": products[j.product].SKU, "qty": 1, "unit_price": 299900,
			"serials": []string{j.serial}, "delivered_at": delivered}}}, &out)
	j.salesOrder = out.ID
	return err
}

func (f *flows) createComplaint(ctx context.Context, j *job) error {
	category, text := "needs_repair", "空调不制冷 — the unit blows warm air"
	if j.rma {
		category, text = "damaged", "外壳破损 — the casing arrived cracked"
	}
	var out struct {
		ID        string    `json:"id"`
		CreatedAt time.Time `json:"created_at"`
	}
	err := f.api.call(ctx, "create complaint", j.agent, http.MethodPost, "/api/v1/complaints", map[string]any{
		"channel": "phone", "customer_id": j.customer.ID, "serial": j.serial, "sales_order_id": j.salesOrder,
		"category": category, "description": text}, &out)
	j.complaint, j.complaintAt = out.ID, out.CreatedAt
	return err
}

func (f *flows) triage(ctx context.Context, j *job) error {
	body := map[string]any{"service_order": map[string]any{"type": "repair", "notes": "loadgen"}}
	if j.rma {
		body = map[string]any{"rma": map[string]any{"type": "return_refund", "reason": "damaged on arrival",
			"lines": []any{map[string]any{"line_no": 1, "qty": 1}}}}
	}
	return f.api.call(ctx, "triage", j.agent, http.MethodPost, "/api/v1/complaints/"+j.complaint+"/triage", body, nil)
}

// workRef polls the complaint until the other desk linked its work item, and returns
// the RMA or service order id.
func (f *flows) workRef(ctx context.Context, j *job, kind string) (string, error) {
	var ref string
	err := f.poll(ctx, "poll complaint link", func() (bool, error) {
		var c struct {
			WorkItems []struct{ Kind, Status, Ref string } `json:"work"`
		}
		if err := f.api.call(ctx, "poll complaint link", j.agent, http.MethodGet, "/api/v1/complaints/"+j.complaint, nil, &c); err != nil {
			return false, err
		}
		for _, w := range c.WorkItems {
			if w.Kind == kind && w.Ref != "" {
				ref = w.Ref
				return true, nil
			}
		}
		return false, nil
	})
	return ref, err
}

// poll calls check with a growing pause until it reports done, fails, or the assign
// timeout passes.
func (f *flows) poll(ctx context.Context, what string, check func() (bool, error)) error {
	deadline := time.Now().Add(f.cfg.AssignTimeout)
	pause := 50 * time.Millisecond
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		if time.Now().After(deadline) {
			f.api.rec.note(what, "timeout")
			return fmt.Errorf("%s: not done after %s", what, f.cfg.AssignTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, time.Second)
	}
}
