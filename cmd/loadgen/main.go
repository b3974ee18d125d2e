// Command loadgen drives whole after-sales flows against a running server over HTTP and
// measures them against the raw floor of the same stores. It seeds a network placed
// by population over the cities of China, runs agents' complaints into RMAs and service
// orders at a set rate or concurrency, and prints throughput and latency per step.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aftersales/aftersales/internal/queue"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// config is every knob of a run.
type config struct {
	Target, AdminEmail, AdminPassword           string
	Outlets, Technicians, Warehouses, Customers int
	Agents                                      int
	InHouseShare                                float64
	Duration                                    time.Duration
	Count                                       int
	Rate                                        float64
	Concurrency                                 int
	MixRMA                                      float64
	Floor                                       bool
	FloorOnly                                   bool
	FloorN                                      int
	Growth                                      []int
	GrowthReps                                  int
	FloorMongoURI, FloorRedisAddr, FloorPGURL   string
	FloorQueuePoll                              time.Duration
	AssignTimeout                               time.Duration
	Technician                                  bool
	JSON                                        bool
	Seed                                        uint64
	Run                                         string
	stderr                                      io.Writer
}

func (c config) progress(format string, args ...any) {
	fmt.Fprintf(c.stderr, "[loadgen] "+format+"\n", args...)
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c := config{stderr: stderr}
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Target, "target", "http://127.0.0.1:8080", "server base URL")
	fs.StringVar(&c.AdminEmail, "admin-email", or(getenv("LOADGEN_ADMIN_EMAIL"), "admin@example.com"), "admin email (env LOADGEN_ADMIN_EMAIL)")
	fs.StringVar(&c.AdminPassword, "admin-password", getenv("LOADGEN_ADMIN_PASSWORD"), "admin password (env LOADGEN_ADMIN_PASSWORD)")
	fs.IntVar(&c.Outlets, "seed-outlets", 20, "outlets to create")
	fs.IntVar(&c.Technicians, "seed-technicians", 60, "technicians to create")
	fs.IntVar(&c.Warehouses, "seed-warehouses", 5, "warehouses to create")
	fs.IntVar(&c.Customers, "customers", 200, "customers to create")
	fs.IntVar(&c.Agents, "agents", 10, "agents to create (flows use them round robin)")
	fs.Float64Var(&c.InHouseShare, "inhouse-share", 0.25, "share of outlets that are in-house (their technicians get offers on the mobile API)")
	fs.DurationVar(&c.Duration, "duration", 0, "run for this long (default 60s unless -count)")
	fs.IntVar(&c.Count, "count", 0, "run this many flows")
	fs.Float64Var(&c.Rate, "rate", 0, "start flows at this rate per second (open loop)")
	fs.IntVar(&c.Concurrency, "concurrency", 0, "keep this many flows running (closed loop; default 4)")
	mix := fs.String("mix", "rma=0.4,service=0.6", "share of flows ending in an RMA or a service order")
	fs.BoolVar(&c.Floor, "floor", false, "also measure the raw floor of the stores")
	fs.BoolVar(&c.FloorOnly, "floor-only", false, "measure only the floor; no server needed")
	fs.IntVar(&c.FloorN, "floor-n", 2000, "operations per floor measurement")
	growth := fs.String("growth", "", "with -floor: also time order queries over this many stored orders, e.g. 10000,100000")
	fs.IntVar(&c.GrowthReps, "growth-reps", 50, "with -growth: times each query is run per size (1M orders on FerretDB takes tens of seconds per list)")
	fs.StringVar(&c.FloorMongoURI, "floor-mongo-uri", getenv("MONGO_URI"), "MongoDB for the floor (default MONGO_URI, else embedded FerretDB)")
	fs.StringVar(&c.FloorPGURL, "floor-postgresql-url", getenv("FERRETDB_POSTGRESQL_URL"), "embedded FerretDB's PostgreSQL for the floor (default FERRETDB_POSTGRESQL_URL, else SQLite)")
	fs.StringVar(&c.FloorRedisAddr, "floor-redis-addr", getenv("REDIS_ADDR"), "Redis for the floor (default REDIS_ADDR, else embedded miniredis)")
	fs.DurationVar(&c.FloorQueuePoll, "floor-queue-poll", queue.DefaultPollInterval, "idle poll interval of the floor's queue worker: match the server's QUEUE_POLL_INTERVAL")
	fs.DurationVar(&c.AssignTimeout, "assign-timeout", 2*time.Minute, "give up waiting for a service order's assignment after this")
	fs.BoolVar(&c.Technician, "technician", true, "run the technician stage (check-in, completion) when the server has the mobile API")
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON on stdout")
	fs.Uint64Var(&c.Seed, "seed", 0, "random seed (default: time)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for _, g := range strings.Split(*growth, ",") {
		if g = strings.TrimSpace(g); g != "" {
			n, err := strconv.Atoi(g)
			if err != nil || n < 1 {
				return c, fmt.Errorf("-growth: %q is not a count", g)
			}
			c.Growth = append(c.Growth, n)
		}
	}
	return c, c.finish(*mix)
}

func (c *config) finish(mix string) error {
	var err error
	if c.MixRMA, err = parseMix(mix); err != nil {
		return err
	}
	if c.Duration == 0 && c.Count == 0 {
		c.Duration = 60 * time.Second
	}
	if c.Rate > 0 && c.Concurrency > 0 {
		return errors.New("-rate and -concurrency exclude each other")
	}
	if c.Rate == 0 && c.Concurrency == 0 {
		c.Concurrency = 4
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	c.Run = strconv.FormatUint(c.Seed%1_000_000, 36)
	if !c.FloorOnly && c.AdminPassword == "" {
		return errors.New("-admin-password (or LOADGEN_ADMIN_PASSWORD) is required")
	}
	if c.Outlets < 1 || c.Warehouses < 1 || c.Customers < 1 || c.Agents < 1 {
		return errors.New("seed at least one outlet, warehouse, customer and agent")
	}
	return nil
}

// parseMix reads "rma=0.4,service=0.6" and returns the RMA share.
func parseMix(s string) (float64, error) {
	shares := map[string]float64{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		f, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || f < 0 || (k != "rma" && k != "service") {
			return 0, fmt.Errorf("-mix: %q is not rma=<share> or service=<share>", part)
		}
		shares[k] = f
	}
	total := shares["rma"] + shares["service"]
	if total <= 0 {
		return 0, errors.New("-mix: shares add up to zero")
	}
	return shares["rma"] / total, nil
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// report is everything a run measured.
type report struct {
	Run      string         `json:"run"`
	Target   string         `json:"target,omitempty"`
	Elapsed  float64        `json:"elapsed_s"`
	Flows    flowCounts     `json:"flows"`
	Skipped  []string       `json:"skipped,omitempty"`
	Steps    []Summary      `json:"steps,omitempty"`
	EndToEnd []Summary      `json:"end_to_end,omitempty"`
	Flags    map[string]int `json:"visit_flags,omitempty" doc:"check-in rule flags on the technicians' events, by step and flag"`
	Floor    []Summary      `json:"floor,omitempty"`
	Ratios   []ratio        `json:"ratios,omitempty"`
}

// run seeds, drives and reports; the floor alone needs no server.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	rep := report{Run: cfg.Run}
	if !cfg.FloorOnly {
		rep.Target = cfg.Target
		if err := drive(ctx, cfg, &rep); err != nil {
			return err
		}
	}
	if cfg.Floor || cfg.FloorOnly {
		if rep.Floor, err = measureFloor(ctx, cfg); err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		rep.Ratios = ratios(rep.Steps, rep.Floor)
	}
	return print(stdout, cfg, rep)
}

// drive seeds the network and runs the flows.
func drive(ctx context.Context, cfg config, rep *report) error {
	rec := newRecorder()
	a := &api{base: strings.TrimRight(cfg.Target, "/"), rec: rec,
		http: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	st, err := detect(ctx, a, cfg)
	if err != nil {
		return err
	}
	rep.Skipped = st.skipped
	rnd := rand.New(rand.NewPCG(cfg.Seed, 1))
	if !st.mobile {
		cfg.InHouseShare = 0 // no one could accept an in-house technician's offer
	}
	s := &seeder{api: a, cfg: cfg, cities: mustCities(), rnd: rnd}
	if err := s.seed(ctx, st); err != nil {
		return err
	}
	rec.reset() // the report is about the flows; seeding was reported as progress
	f := &flows{api: a, cfg: cfg, net: s.net, st: st, rnd: rand.New(rand.NewPCG(cfg.Seed, 2))}
	elapsed := f.drive(ctx)
	rep.Elapsed = elapsed.Seconds()
	rep.Flows = f.counts()
	rep.Steps = rec.summaries(elapsed)
	rep.EndToEnd = f.e2e.summaries(elapsed)
	rep.Flags = f.flagCounts()
	return nil
}

func mustCities() *cityPicker {
	p, err := loadCities()
	if err != nil {
		panic(err) // the CSV is embedded: a bad one is a build defect
	}
	return p
}

func print(w io.Writer, cfg config, rep report) error {
	if cfg.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if rep.Target != "" {
		fmt.Fprintf(w, "run %s against %s: %.1fs, flows started %d, finished %d, failed %d (rma %d, service %d)\n",
			rep.Run, rep.Target, rep.Elapsed, rep.Flows.Started, rep.Flows.Finished, rep.Flows.Failed, rep.Flows.RMA, rep.Flows.Service)
		for _, s := range rep.Skipped {
			fmt.Fprintf(w, "skipped: %s\n", s)
		}
		printSummaries(w, "per step (HTTP round trip as the client sees it)", rep.Steps)
		printSummaries(w, "end to end (server timestamps)", rep.EndToEnd)
		printFlags(w, rep.Flags)
	}
	if len(rep.Floor) > 0 {
		printSummaries(w, "floor (same backend, no application code)", rep.Floor)
		printRatios(w, rep.Ratios)
	}
	return nil
}

// printFlags lists the check-in rules' flags. A load run compresses a day's visits into
// seconds, so travel between two of a technician's customers is "impossible": those
// flags show the rule ran, not that anyone cheated.
func printFlags(w io.Writer, flags map[string]int) {
	if len(flags) == 0 {
		return
	}
	fmt.Fprintf(w, "\nvisit flags raised (accepted events; impossible_travel is expected: a run compresses a day of visits into seconds)\n")
	for _, k := range slices.Sorted(maps.Keys(flags)) {
		fmt.Fprintf(w, "  %-50s %d\n", k, flags[k])
	}
}
