package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// products the seeded shop sells: each category needs one skill.
var products = []struct{ SKU, Name, Category, Skill string }{
	{"LG-AC-9000", "分体空调 9000", "air_conditioner", "ac_repair"},
	{"LG-WM-700", "滚筒洗衣机 700", "washing_machine", "washer_repair"},
	{"LG-RF-450", "对开门冰箱 450", "refrigerator", "fridge_repair"},
}

const (
	brand        = "Aurora"
	userPassword = "loadgen-password-1"
)

// network is what seeding created and the flows use.
type network struct {
	run         string
	admin       string
	dispatcher  string   // token of the dispatcher who verifies and closes completed orders
	agents      []string // tokens
	customers   []customer
	outlets     map[string]string   // outlet id → outlet manager token
	warehouses  map[string]string   // warehouse id → warehouse user token
	technicians map[string]string   // technician id → mobile access token (when the mobile API exists)
	crews       map[string][]string // outlet id → its technicians' ids
}

type customer struct {
	ID       string
	Lat, Lon float64
}

// seeder creates the network through the public API, as an operator would.
type seeder struct {
	api    *api
	cfg    config
	cities *cityPicker
	rnd    *rand.Rand
	mu     sync.Mutex
	net    *network
	sites  []city          // outlets' bases: customers live within reach of one
	bases  map[string]city // outlet id → its base: its technicians live near it
}

func (s *seeder) seed(ctx context.Context, stages stages) error {
	s.net = &network{run: s.cfg.Run, outlets: map[string]string{}, warehouses: map[string]string{},
		technicians: map[string]string{}, crews: map[string][]string{}}
	var err error
	if s.net.admin, err = s.api.login(ctx, s.cfg.AdminEmail, s.cfg.AdminPassword); err != nil {
		return fmt.Errorf("admin login: %w", err)
	}
	steps := []struct {
		name string
		n    int
		one  func(context.Context, int) error
	}{
		{"products", len(products), s.product},
		{"fee schedule", 1, s.feeSchedule},
		{"warehouses", s.cfg.Warehouses, s.warehouse},
		{"outlets", s.cfg.Outlets, s.outlet},
		{"technicians", s.cfg.Technicians, func(ctx context.Context, i int) error { return s.technician(ctx, i, stages.mobile) }},
		{"agents", s.cfg.Agents, s.agent},
		{"dispatcher", 1, s.dispatcher},
		{"customers", s.cfg.Customers, s.customer},
	}
	for _, st := range steps {
		start := time.Now()
		if err := parallel(ctx, st.n, 8, st.one); err != nil {
			return fmt.Errorf("seed %s: %w", st.name, err)
		}
		s.cfg.progress("seeded %d %s in %s", st.n, st.name, time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// parallel runs one(i) for i in [0,n) on `workers` goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, one func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := one(ctx, i); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

func (s *seeder) product(ctx context.Context, i int) error {
	p := products[i]
	body := map[string]any{"sku": p.SKU, "name": p.Name, "brand": brand, "category": p.Category,
		"warranty_months": 36, "skills_needed": []string{p.Skill}}
	status, raw, err := s.api.raw(ctx, "seed product", s.net.admin, http.MethodPost, "/api/v1/products", body)
	if err != nil {
		return err
	}
	if status != http.StatusCreated && status != http.StatusConflict { // an earlier run made it
		return &apiError{Step: "seed product", Status: status, Body: string(raw)}
	}
	return nil
}

func (s *seeder) place(km float64) (city, float64, float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cities.pick(s.rnd)
	lat, lon := near(s.rnd, c, km)
	return c, lat, lon
}

func categories() []string {
	out := make([]string, len(products))
	for i, p := range products {
		out[i] = p.Category
	}
	return out
}

func skills() []string {
	out := make([]string, len(products))
	for i, p := range products {
		out[i] = p.Skill
	}
	return out
}

func (s *seeder) warehouse(ctx context.Context, i int) error {
	c, lat, lon := s.place(10)
	var w struct{ ID string }
	err := s.api.call(ctx, "seed warehouse", s.net.admin, http.MethodPost, "/api/v1/network/warehouses", map[string]any{
		"name": fmt.Sprintf("%s 仓 %s-%d", c.Name, s.cfg.Run, i), "address": c.Name, "lat": lat, "lon": lon,
		"categories": categories(), "receiving_capacity": 10000}, &w)
	if err != nil {
		return err
	}
	tok, err := s.user(ctx, "warehouse", fmt.Sprintf("wh%d", i), map[string]any{"warehouse_id": w.ID})
	s.mu.Lock()
	s.net.warehouses[w.ID] = tok
	s.mu.Unlock()
	return err
}

func (s *seeder) outlet(ctx context.Context, i int) error {
	c, lat, lon := s.place(10)
	kind := "outsourced"
	if inHouse(i, s.cfg.InHouseShare) {
		kind = "in_house"
	}
	var o struct{ ID string }
	err := s.api.call(ctx, "seed outlet", s.net.admin, http.MethodPost, "/api/v1/network/outlets", map[string]any{
		"name": fmt.Sprintf("%s 服务网点 %s-%d", c.Name, s.cfg.Run, i), "kind": kind, "address": c.Name,
		"lat": lat, "lon": lon, "service_radius_km": 150, "categories": categories(), "brands": []string{"*"},
		"skills": skills(), "capacity_per_day": 10000, "labour_rate": 8000 + s.int64n(4000), "travel_rate_per_km": 150,
		"working_hours": allDay()}, &o)
	if err != nil {
		return err
	}
	tok, err := s.user(ctx, "outlet", fmt.Sprintf("ol%d", i), map[string]any{"outlet_id": o.ID})
	s.mu.Lock()
	s.net.outlets[o.ID] = tok
	s.sites = append(s.sites, city{Name: c.Name, Lat: lat, Lon: lon})
	if s.bases == nil {
		s.bases = map[string]city{}
	}
	s.bases[o.ID] = city{Name: c.Name, Lat: lat, Lon: lon}
	s.mu.Unlock()
	return err
}

// inHouse spreads the in-house share evenly over the outlets: outlet i is in-house when
// the running count of in-house outlets steps up at it.
func inHouse(i int, share float64) bool {
	return int(float64(i+1)*share) > int(float64(i)*share)
}

// allDay keeps every outlet open, so a load run at 3 a.m. still dispatches.
func allDay() map[string][]string {
	h := map[string][]string{}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		h[d] = []string{"00:00", "24:00"}
	}
	return h
}

func (s *seeder) technician(ctx context.Context, i int, mobile bool) error {
	s.mu.Lock()
	ids := make([]string, 0, len(s.net.outlets))
	for id := range s.net.outlets {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	if len(ids) == 0 {
		return fmt.Errorf("technicians need at least one outlet")
	}
	slices.Sort(ids) // map order is random: the seed alone decides who works where
	outlet := ids[i%len(ids)]
	s.mu.Lock()
	lat, lon := near(s.rnd, s.bases[outlet], 30) // a technician lives within reach of the outlet's area
	s.mu.Unlock()
	var t struct{ ID string }
	err := s.api.call(ctx, "seed technician", s.net.admin, http.MethodPost, "/api/v1/network/technicians", map[string]any{
		"outlet_id": outlet, "name": fmt.Sprintf("师傅 %s-%d", s.cfg.Run, i), "phone": s.phone(),
		"skills": skills(), "lat": lat, "lon": lon, "daily_capacity": 100}, &t)
	if err != nil || !mobile {
		return err
	}
	u, err := s.createUser(ctx, "technician", fmt.Sprintf("tech%d", i), map[string]any{"outlet_id": outlet, "technician_id": t.ID})
	if err != nil {
		return err
	}
	// The technician signs in on the mobile API from a phone, with the staff id.
	var sess struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.api.call(ctx, "seed technician sign-in", "", http.MethodPost, "/mobile/v1/auth/login", map[string]any{
		"staff_id": u.ID, "password": userPassword, "device_id": fmt.Sprintf("loadgen-%s-phone-%d", s.cfg.Run, i)}, &sess); err != nil {
		return err
	}
	s.mu.Lock()
	s.net.technicians[t.ID] = sess.AccessToken
	s.net.crews[outlet] = append(s.net.crews[outlet], t.ID)
	s.mu.Unlock()
	return nil
}

// feeSchedule puts a default fee schedule in force, so completed jobs are priced. A
// schedule left by an earlier run on the same database is kept.
func (s *seeder) feeSchedule(ctx context.Context, _ int) error {
	var labour []any
	for _, st := range []string{"repair", "installation", "maintenance", "inspection"} {
		labour = append(labour, map[string]any{"service_type": st, "category": "*", "region": "*", "amount": 12000})
	}
	near := 30.0
	body := map[string]any{"name": "loadgen default", "currency": "CNY", "labour": labour,
		"travel": []any{map[string]any{"from_km": 0, "to_km": near, "amount": 0}, map[string]any{"from_km": near, "amount": 5000}},
		"parts":  map[string]any{"markup_bp": 1500}}
	status, raw, err := s.api.raw(ctx, "seed fee schedule", s.net.admin, http.MethodPost, "/api/v1/fees/schedules", body)
	if err != nil {
		return err
	}
	if status != http.StatusCreated && status != http.StatusConflict {
		return &apiError{Step: "seed fee schedule", Status: status, Body: string(raw)}
	}
	return nil
}

func (s *seeder) agent(ctx context.Context, i int) error {
	tok, err := s.user(ctx, "agent", fmt.Sprintf("agent%d", i), map[string]any{"tier": "L1"})
	s.mu.Lock()
	s.net.agents = append(s.net.agents, tok)
	s.mu.Unlock()
	return err
}

func (s *seeder) dispatcher(ctx context.Context, _ int) error {
	tok, err := s.user(ctx, "dispatcher", "dispatcher", nil)
	s.net.dispatcher = tok
	return err
}

func (s *seeder) customer(ctx context.Context, i int) error {
	c, lat, lon := s.placeCustomer()
	var out struct{ ID string }
	err := s.api.call(ctx, "seed customer", s.net.admin, http.MethodPost, "/api/v1/customers", map[string]any{
		"name": fmt.Sprintf("顾客 %s-%d", s.cfg.Run, i), "phone": s.phone(), "addresses": []any{map[string]any{
			"line": fmt.Sprintf("%d 号", i+1), "city": c.Name, "province": c.Name, "lat": lat, "lon": lon}}}, &out)
	s.mu.Lock()
	s.net.customers = append(s.net.customers, customer{ID: out.ID, Lat: lat, Lon: lon})
	s.mu.Unlock()
	return err
}

// int64n draws from [0, n); the seeders run in parallel and share one source.
func (s *seeder) int64n(n int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rnd.Int64N(n)
}

// phone draws a mainland mobile number; runs use different numbers with high probability.
func (s *seeder) phone() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("1%d%09d", 3+s.rnd.IntN(7), s.rnd.Int64N(1e9))
}

// user creates a staff user of role and logs them in.
func (s *seeder) user(ctx context.Context, role, name string, extra map[string]any) (string, error) {
	u, err := s.createUser(ctx, role, name, extra)
	if err != nil {
		return "", err
	}
	return s.api.login(ctx, u.Email, userPassword)
}

type seededUser struct{ ID, Email string }

// createUser creates a user of role with the run's password.
func (s *seeder) createUser(ctx context.Context, role, name string, extra map[string]any) (seededUser, error) {
	u := seededUser{Email: fmt.Sprintf("%s.%s@loadgen.example.com", name, s.cfg.Run)}
	body := map[string]any{"email": u.Email, "name": name, "role": role, "password": userPassword}
	for k, v := range extra {
		body[k] = v
	}
	var out struct {
		ID string `json:"id"`
	}
	err := s.api.call(ctx, "seed user", s.net.admin, http.MethodPost, "/api/v1/admin/users", body, &out)
	u.ID = out.ID
	return u, err
}

// customerReachKm is how far from an outlet's base the brand sells: a customer outside
// every outlet's reach could never be served, and would measure only escalations.
const customerReachKm = 100

// placeCustomer draws a home by population among the places within reach of an outlet.
func (s *seeder) placeCustomer() (city, float64, float64) {
	for range 10000 {
		c, lat, lon := s.place(15)
		for _, site := range s.sites {
			if haversineKm(lat, lon, site.Lat, site.Lon) <= customerReachKm {
				return c, lat, lon
			}
		}
	}
	return s.place(15) // the outlets sit where almost no one lives: take anyone
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
