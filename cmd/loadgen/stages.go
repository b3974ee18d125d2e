package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// aggregateView is what the stages read of an RMA or a service order.
type aggregateView struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	WarehouseID string    `json:"warehouse_id"`
	OutletID    string    `json:"outlet_id"`
	CreatedAt   time.Time `json:"created_at"`
	History     []struct {
		At     time.Time `json:"at"`
		Action string    `json:"action"`
	} `json:"history"`
}

// at is the time of the first history entry with one of actions.
func (v aggregateView) at(actions ...string) (time.Time, bool) {
	for _, h := range v.History {
		for _, a := range actions {
			if h.Action == a {
				return h.At, true
			}
		}
	}
	return time.Time{}, false
}

// rmaStage: the desk approves, the customer ships the goods back, the warehouse the
// RMA was routed to receives them.
func (f *flows) rmaStage(ctx context.Context, j *job) error {
	id, err := f.workRef(ctx, j, "rma")
	if err != nil {
		return err
	}
	path := "/api/v1/rmas/" + id
	var r aggregateView
	if err := f.api.call(ctx, "rma approve", j.agent, http.MethodPost, path+"/approve", nil, &r); err != nil {
		return err
	}
	f.e2e.add("complaint→rma linked", r.CreatedAt.Sub(j.complaintAt), "ok", false)
	if err := f.poll(ctx, "poll rma routed", func() (bool, error) {
		err := f.api.call(ctx, "poll rma routed", j.agent, http.MethodGet, path, nil, &r)
		return r.Status == "awaiting_return", err
	}); err != nil {
		return err
	}
	if t, ok := r.at("routed"); ok {
		f.e2e.add("complaint→rma routed", t.Sub(j.complaintAt), "ok", false)
	}
	if err := f.api.call(ctx, "rma return shipment", j.agent, http.MethodPost, path+"/return-shipment",
		map[string]any{"carrier": "SF Express", "tracking_no": fmt.Sprintf("SF%s%06d", f.net.run, j.n)}, nil); err != nil {
		return err
	}
	wh, ok := f.net.warehouses[r.WarehouseID]
	if !ok {
		return fmt.Errorf("rma %s routed to %q, not a seeded warehouse", id, r.WarehouseID)
	}
	return f.api.call(ctx, "warehouse receipt", wh, http.MethodPost, "/api/v1/warehouse/rmas/"+id+"/receipt",
		map[string]any{"lines": []any{map[string]any{"line_no": 1, "qty_received": 1, "serials_received": []string{j.serial}}}}, nil)
}

// orderView is what the service stage reads of a service order.
type orderView struct {
	Status    string `json:"status"`
	Escalated bool   `json:"escalated"`
	Reason    string `json:"escalation_reason"`
	Offer     *struct {
		ID        string    `json:"id"`
		OfferedAt time.Time `json:"offered_at"`
		Candidate struct {
			Kind     string `json:"kind"`
			ID       string `json:"id"`
			OutletID string `json:"outlet_id"`
		} `json:"candidate"`
	} `json:"offer"`
	Assignment *struct {
		At           time.Time `json:"at"`
		OutletID     string    `json:"outlet_id"`
		TechnicianID string    `json:"technician_id"`
	} `json:"assignment"`
}

// serviceStage: the engine offers the order; the outlet offered accepts it naming one
// of its technicians, or the in-house technician offered accepts it on the phone. The
// technician then makes the visit on the mobile API, where the server has it.
func (f *flows) serviceStage(ctx context.Context, j *job) error {
	id, err := f.workRef(ctx, j, "service_order")
	if err != nil {
		return err
	}
	var o orderView
	if err := f.poll(ctx, "poll order offered", func() (bool, error) {
		o = orderView{}
		err := f.api.call(ctx, "poll order offered", j.agent, http.MethodGet, "/api/v1/service-orders/"+id, nil, &o)
		if err == nil && o.Escalated {
			return false, fmt.Errorf("order %s escalated to a dispatcher: %s", id, o.Reason)
		}
		return o.Offer != nil || o.Assignment != nil, err
	}); err != nil {
		return err
	}
	if o.Offer != nil {
		f.e2e.add("complaint→order offered", o.Offer.OfferedAt.Sub(j.complaintAt), "ok", false)
		if err := f.accept(ctx, j, id, &o); err != nil {
			return err
		}
	}
	if o.Assignment == nil {
		return fmt.Errorf("order %s: accepted but no assignment", id)
	}
	f.e2e.add("complaint→order assigned", o.Assignment.At.Sub(j.complaintAt), "ok", false)
	if !f.st.mobile {
		return nil
	}
	if o.Assignment.TechnicianID == "" {
		return fmt.Errorf("order %s: assigned to outlet %s with no technician", id, o.Assignment.OutletID)
	}
	return f.technicianStage(ctx, j, id, o.Assignment.TechnicianID)
}

// accept answers o's open offer as its candidate and leaves the accepted order in o.
func (f *flows) accept(ctx context.Context, j *job, id string, o *orderView) error {
	c := o.Offer.Candidate
	offer := o.Offer.ID
	switch {
	case c.Kind == "technician" && f.st.mobile:
		tok, ok := f.net.technicians[c.ID]
		if !ok {
			return fmt.Errorf("order %s offered to technician %q, not a seeded one", id, c.ID)
		}
		if err := f.api.call(ctx, "technician accept", tok, http.MethodPost, "/mobile/v1/jobs/"+id+"/accept", nil, nil); err != nil {
			return err
		}
		*o = orderView{}
		return f.api.call(ctx, "poll order assigned", j.agent, http.MethodGet, "/api/v1/service-orders/"+id, nil, o)
	case c.Kind != "outlet":
		return fmt.Errorf("order %s offered to a %s; only outlets accept without the mobile API", id, c.Kind)
	}
	tok, ok := f.net.outlets[c.OutletID]
	if !ok {
		return fmt.Errorf("order %s offered to outlet %q, not a seeded one", id, c.OutletID)
	}
	body := map[string]any{}
	if crew := f.net.crews[c.OutletID]; f.st.mobile && len(crew) > 0 {
		body["technician_id"] = crew[f.pick(len(crew))]
	}
	*o = orderView{}
	return f.api.call(ctx, "outlet accept", tok, http.MethodPost, "/api/v1/outlet/offers/"+offer+"/accept", body, o)
}

// pick draws an index below n.
func (f *flows) pick(n int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rnd.IntN(n)
}
