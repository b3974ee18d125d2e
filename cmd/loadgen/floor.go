package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/queue"
)

// Floor step names; ratios pair each API step with one of them.
const (
	floorInsert  = "floor: insert"
	floorUpdate  = "floor: conditional update"
	floorEnqueue = "floor: enqueue→handle"
)

// measureFloor times the stores alone on the same backend as the server: single
// document inserts and {_id, version} conditional updates through the driver, and
// Asynq enqueue→handle round trips with a no-op handler on the server's queue config.
func measureFloor(ctx context.Context, cfg config) ([]Summary, error) {
	rec := newRecorder()
	log := slog.New(slog.DiscardHandler)
	dir, err := os.MkdirTemp("", "loadgen-floor-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db, err := mongox.Open(ctx, mongox.Options{URI: cfg.FloorMongoURI, Database: "loadgen_floor_" + cfg.Run,
		DataDir: dir, PostgreSQLURL: cfg.FloorPGURL, Logger: log})
	if err != nil {
		return nil, err
	}
	defer db.Close(context.Background())
	defer db.Mongo().Drop(context.Background())
	cfg.progress("floor: %d inserts and updates on %s", cfg.FloorN, backendName(cfg))
	if err := mongoFloor(ctx, db, cfg.FloorN, rec); err != nil {
		return nil, err
	}
	r, err := queue.Open(ctx, queue.Options{Addr: cfg.FloorRedisAddr, PollInterval: cfg.FloorQueuePoll})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	n := max(cfg.FloorN/4, 5)
	cfg.progress("floor: %d enqueue→handle round trips on %s", n, redisName(cfg))
	if err := queueFloor(ctx, r, n, rec); err != nil {
		return nil, err
	}
	for _, size := range cfg.Growth {
		cfg.progress("growth: %d stored orders on %s", size, backendName(cfg))
		gdb := db.WithDatabase(fmt.Sprintf("loadgen_growth_%s_%d", cfg.Run, size))
		defer gdb.Mongo().Drop(context.Background())
		if err := measureGrowth(ctx, gdb, size, max(cfg.GrowthReps, 1), rec); err != nil {
			return nil, fmt.Errorf("growth %d: %w", size, err)
		}
	}
	sums := rec.summaries(0)
	for i := range sums { // a sequential loop: ops/s is 1 / mean latency
		if busy := rec.total(sums[i].Step); busy > 0 {
			sums[i].PerSec = float64(sums[i].Count) / busy.Seconds()
		}
	}
	return sums, nil
}

func backendName(cfg config) string {
	switch {
	case cfg.FloorMongoURI != "":
		return "MONGO_URI"
	case cfg.FloorPGURL != "":
		return "embedded FerretDB on PostgreSQL"
	}
	return "embedded FerretDB on SQLite"
}

func redisName(cfg config) string {
	if cfg.FloorRedisAddr != "" {
		return "Redis " + cfg.FloorRedisAddr
	}
	return "embedded miniredis"
}

// mongoFloor inserts n documents shaped like a small aggregate, then bumps each one's
// version with the same conditional update the aggregate store uses.
func mongoFloor(ctx context.Context, db *mongox.DB, n int, rec *recorder) error {
	coll := db.Mongo().Collection("floor")
	for i := range n {
		doc := bson.D{{Key: "_id", Value: fmt.Sprintf("FLR-%08d", i)}, {Key: "version", Value: int64(1)},
			{Key: "status", Value: "created"}, {Key: "history", Value: bson.A{bson.D{{Key: "action", Value: "created"}}}}}
		start := time.Now()
		if _, err := coll.InsertOne(ctx, doc); err != nil {
			return fmt.Errorf("insert: %w", err)
		}
		rec.add(floorInsert, time.Since(start), "ok", false)
	}
	for i := range n {
		start := time.Now()
		res, err := coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("FLR-%08d", i)}, {Key: "version", Value: int64(1)}},
			bson.D{{Key: "$inc", Value: bson.D{{Key: "version", Value: 1}}}, {Key: "$set", Value: bson.D{{Key: "status", Value: "done"}}}})
		if err != nil || res.ModifiedCount != 1 {
			return fmt.Errorf("conditional update %d: modified %v: %w", i, res, err)
		}
		rec.add(floorUpdate, time.Since(start), "ok", false)
	}
	return nil
}

// queueFloor enqueues n no-op tasks one after another and times each from enqueue
// until the handler runs, on a server built like the application's worker.
func queueFloor(ctx context.Context, r *queue.Redis, n int, rec *recorder) error {
	var mu sync.Mutex
	handled := make(chan struct{}, 1)
	var enqueued time.Time
	mux := asynq.NewServeMux()
	mux.HandleFunc("floor:noop", func(context.Context, *asynq.Task) error {
		mu.Lock()
		rec.add(floorEnqueue, time.Since(enqueued), "ok", false)
		mu.Unlock()
		handled <- struct{}{}
		return nil
	})
	srv := r.NewServer(10, slog.New(slog.DiscardHandler))
	if err := srv.Start(mux); err != nil {
		return err
	}
	defer srv.Shutdown()
	client := asynq.NewClient(r.Conn)
	defer client.Close()
	for range n {
		mu.Lock()
		enqueued = time.Now()
		mu.Unlock()
		if _, err := client.EnqueueContext(ctx, asynq.NewTask("floor:noop", nil), asynq.Queue(queue.Dispatch)); err != nil {
			return err
		}
		select {
		case <-handled:
		case <-time.After(30 * time.Second):
			return fmt.Errorf("no-op task not handled within 30s")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// ratio compares an API step with the floor it stands on.
type ratio struct {
	Step   string  `json:"step"`
	Floor  string  `json:"floor"`
	P50    float64 `json:"p50_x"`
	P99    float64 `json:"p99_x"`
	PerSec float64 `json:"per_sec_fraction" doc:"the step's throughput as a fraction of the floor's"`
}

// floorOf says which floor each API step stands on: creations on an insert, state
// changes on a conditional update.
var floorOf = map[string]string{
	"import sales order": floorInsert, "create complaint": floorInsert, "triage": floorUpdate,
	"rma approve": floorUpdate, "rma return shipment": floorUpdate, "warehouse receipt": floorUpdate,
	"outlet accept": floorUpdate, "technician accept": floorUpdate, "technician appointment": floorUpdate,
	"technician en route": floorUpdate, "technician check-in": floorUpdate, "technician complete": floorUpdate,
	"technician signature": floorInsert, "dispatcher verify": floorUpdate, "dispatcher close": floorUpdate,
	"complaint→rma linked": floorEnqueue, "complaint→order linked": floorEnqueue,
}

func ratios(steps, floor []Summary) []ratio {
	byName := map[string]Summary{}
	for _, s := range append(append([]Summary(nil), steps...), floor...) {
		byName[s.Step] = s
	}
	var out []ratio
	for _, s := range steps {
		fl, ok := byName[floorOf[s.Step]]
		if !ok || fl.P50 == 0 || s.Count == 0 {
			continue
		}
		out = append(out, ratio{Step: s.Step, Floor: fl.Step, P50: s.P50 / fl.P50, P99: s.P99 / max(fl.P99, 0.001),
			PerSec: s.PerSec / fl.PerSec})
	}
	return out
}

func printRatios(w interface{ Write([]byte) (int, error) }, rs []ratio) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nratios to the floor\n")
	for _, r := range rs {
		fmt.Fprintf(w, "%-28s p50 = %6.1f× %s p50, p99 = %6.1f× its p99\n", r.Step, r.P50, r.Floor, r.P99)
	}
}
