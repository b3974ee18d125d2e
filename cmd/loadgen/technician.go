package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"time"
)

// jobView is what the technician stage reads of a mobile job.
type jobView struct {
	Status string `json:"status"`
	Site   *struct {
		Lat float64 `json:"lat"`
		Lon float64 `json:"lon"`
	} `json:"site"`
}

// visitEvent is the answer to an en-route or check-in report.
type visitEvent struct {
	Flags      []string `json:"flags"`
	OrderError string   `json:"order_error"`
}

// technicianStage is the field visit on the mobile API, as the technician's phone makes
// it: set the appointment, leave (en route), check in at the site, take the customer's
// signature and complete. The positions are the site's, so an honest visit raises no
// geofence flag; the rules that look across jobs (travel speed between two customers
// visited seconds apart) do flag, and those flags are counted, not hidden.
func (f *flows) technicianStage(ctx context.Context, j *job, orderID, techID string) error {
	tok, ok := f.net.technicians[techID]
	if !ok {
		return fmt.Errorf("order %s assigned to technician %q, not a seeded one", orderID, techID)
	}
	base := "/mobile/v1/jobs/" + orderID
	var v jobView
	if err := f.api.call(ctx, "technician job", tok, http.MethodGet, base, nil, &v); err != nil {
		return err
	}
	if v.Site == nil {
		return fmt.Errorf("job %s has no site", orderID)
	}
	start := time.Now().UTC().Add(time.Hour).Truncate(time.Minute)
	if err := f.api.call(ctx, "technician appointment", tok, http.MethodPost, base+"/appointment",
		map[string]any{"start": start.Format(time.RFC3339), "end": start.Add(2 * time.Hour).Format(time.RFC3339)}, nil); err != nil {
		return err
	}
	// en route from about 5 km away, as from the road. The check-in at the site follows
	// within milliseconds, so the travel rule flags it: counted in the report, expected.
	lat, lon := v.Site.Lat+0.045, v.Site.Lon
	if err := f.visit(ctx, "technician en route", tok, base+"/en_route", lat, lon); err != nil {
		return err
	}
	if err := f.visit(ctx, "technician check-in", tok, base+"/check_in", v.Site.Lat, v.Site.Lon); err != nil {
		return err
	}
	var sig struct {
		ID string `json:"id"`
	}
	if err := f.api.upload(ctx, "technician signature", tok, http.MethodPut, base+"/signature", "image/png",
		signature(j.n), &sig); err != nil {
		return err
	}
	var done jobView
	if err := f.api.call(ctx, "technician complete", tok, http.MethodPost, base+"/complete", map[string]any{
		"resolution_code": "repaired", "fault_found": "制冷剂不足 — low refrigerant",
		"work_done": "检漏、补充制冷剂 — leak sealed and refrigerant topped up", "signature_id": sig.ID}, &done); err != nil {
		return err
	}
	if done.Status != "completed" {
		return fmt.Errorf("job %s: complete answered status %q", orderID, done.Status)
	}
	return f.priced(ctx, j, orderID)
}

// visit reports one position event and counts its flags by name.
func (f *flows) visit(ctx context.Context, step, tok, path string, lat, lon float64) error {
	var ev visitEvent
	err := f.api.call(ctx, step, tok, http.MethodPost, path, map[string]any{"lat": lat, "lon": lon, "accuracy_m": 12.0,
		"device_time": time.Now().UTC().Format(time.RFC3339)}, &ev)
	if err != nil {
		return err
	}
	if ev.OrderError != "" {
		return fmt.Errorf("%s: kept, but the order did not move: %s", step, ev.OrderError)
	}
	f.flagged(step, ev.Flags)
	return nil
}

// priced waits until finance's view of the order has fee lines: the completion event has
// gone through the queue and fees priced the job from the schedule in force.
func (f *flows) priced(ctx context.Context, j *job, orderID string) error {
	var pj struct {
		PricedAt time.Time `json:"priced_at"`
	}
	var o aggregateView
	if err := f.api.call(ctx, "poll order completed", j.agent, http.MethodGet, "/api/v1/service-orders/"+orderID, nil, &o); err != nil {
		return err
	}
	if t, ok := o.at("completed"); ok {
		f.e2e.add("complaint→order completed", t.Sub(j.complaintAt), "ok", false)
	}
	err := f.poll(ctx, "poll order priced", func() (bool, error) {
		return f.api.probe(ctx, "poll order priced", j.agent, "/api/v1/fees/priced-jobs/"+orderID, &pj)
	})
	if err != nil {
		return err
	}
	if t, ok := o.at("completed"); ok && !pj.PricedAt.IsZero() {
		f.e2e.add("order completed→priced", pj.PricedAt.Sub(t), "ok", false)
	}
	return f.closeOut(ctx, j, orderID)
}

// closeOut: the dispatcher verifies the completed work and closes the order; the
// complaint, its only work done, resolves itself. The flow ends when the agent sees it
// resolved.
func (f *flows) closeOut(ctx context.Context, j *job, orderID string) error {
	path := "/api/v1/service-orders/" + orderID
	if err := f.api.call(ctx, "dispatcher verify", f.net.dispatcher, http.MethodPost, path+"/verify", map[string]any{}, nil); err != nil {
		return err
	}
	var o aggregateView
	if err := f.api.call(ctx, "dispatcher close", f.net.dispatcher, http.MethodPost, path+"/close", map[string]any{}, &o); err != nil {
		return err
	}
	var c struct {
		Status     string     `json:"status"`
		ResolvedAt *time.Time `json:"resolved_at"`
	}
	if err := f.poll(ctx, "poll complaint resolved", func() (bool, error) {
		err := f.api.call(ctx, "poll complaint resolved", j.agent, http.MethodGet, "/api/v1/complaints/"+j.complaint, nil, &c)
		return c.Status == "resolved", err
	}); err != nil {
		return err
	}
	if c.ResolvedAt != nil {
		f.e2e.add("complaint→resolved", c.ResolvedAt.Sub(j.complaintAt), "ok", false)
		if closed, ok := o.at("closed"); ok {
			f.e2e.add("order closed→complaint resolved", c.ResolvedAt.Sub(closed), "ok", false)
		}
	}
	return nil
}

// signature draws a small PNG, different per flow: the same picture on two jobs would
// be flagged as a reused photo, rightly.
func signature(n int64) []byte {
	img := image.NewGray(image.Rect(0, 0, 120, 40))
	for x := range 120 {
		y := 20 + int(12*math.Sin(float64(x)/(6+float64(n%17))+float64(n)))
		img.SetGray(x, y, color.Gray{Y: 255})
	}
	for bit := range 63 { // the flow number in the bottom row makes every picture unique
		if n>>bit&1 == 1 {
			img.SetGray(bit, 39, color.Gray{Y: 128})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // writing to memory cannot fail
	return b.Bytes()
}
