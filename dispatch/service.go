package dispatch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Defaults for Deps fields left zero.
const (
	DefaultWatchEvery  = 5 * time.Second
	DefaultReloadEvery = 5 * time.Minute
)

// Deps is what the service needs; DB is required.
type Deps struct {
	DB        *mongox.DB
	Publisher aggregate.Publisher // hands network events to the queue; nil leaves them to the sweeper
	Clock     clock.Clock         // default clock.Real
	Log       *slog.Logger        // default: discard
	Engine    EngineConfig        // cost model; zero fields take DefaultEngineConfig
	Fees      LabourFees          // labour from fee schedules; nil uses outlets' labour rates
	// WatchEvery is how often Watch compares the network version with the index's;
	// ReloadEvery how often it rebuilds the index regardless, as a safety net.
	WatchEvery  time.Duration
	ReloadEvery time.Duration
}

// Service manages the network and answers dispatch decisions.
type Service struct {
	db          *mongox.DB
	warehouses  *aggregate.Store
	outlets     *aggregate.Store
	technicians *aggregate.Store
	state       *mongox.Collection
	loads       *mongox.Collection
	book        *loadBook
	engine      *Engine
	clock       clock.Clock
	log         *slog.Logger
	watchEvery  time.Duration
	reloadEvery time.Duration

	// Refreshes are serialised and coalesced: every write takes a ticket, and a reload
	// that started after the ticket was taken covers that write.
	refreshMu sync.Mutex
	tickets   atomic.Int64
	covered   int64
}

// NewService checks d, fills in defaults and returns the service. Its index is empty
// until Refresh.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil {
		return nil, errors.New("dispatch: Deps needs DB")
	}
	d = withDefaults(d)
	book := newLoadBook()
	return &Service{
		db:          d.DB,
		warehouses:  aggregate.NewStore(d.DB, WarehousesCollection, "warehouse", d.Publisher, d.Clock),
		outlets:     aggregate.NewStore(d.DB, OutletsCollection, "outlet", d.Publisher, d.Clock),
		technicians: aggregate.NewStore(d.DB, TechniciansCollection, "technician", d.Publisher, d.Clock),
		state:       d.DB.Collection(NetworkStateCollection),
		loads:       d.DB.Collection(LoadsCollection),
		book:        book,
		engine:      NewEngine(d.Engine, d.Fees, book),
		clock:       d.Clock,
		log:         d.Log,
		watchEvery:  d.WatchEvery,
		reloadEvery: d.ReloadEvery,
	}, nil
}

func withDefaults(d Deps) Deps {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.WatchEvery <= 0 {
		d.WatchEvery = DefaultWatchEvery
	}
	if d.ReloadEvery <= 0 {
		d.ReloadEvery = DefaultReloadEvery
	}
	return d
}

// Collections lists the aggregate collections whose outboxes the sweeper must watch.
func Collections() []string {
	return []string{WarehousesCollection, OutletsCollection, TechniciansCollection}
}

// EnsureIndexes creates the network's indexes, one per command (FerretDB v1 drops the
// connection when one createIndexes names several existing indexes).
func (s *Service) EnsureIndexes(ctx context.Context) error {
	for coll, models := range indexModels() {
		for _, m := range models {
			if err := s.db.Collection(coll).EnsureIndexes(ctx, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Engine is the assignment engine over the current index.
func (s *Service) Engine() *Engine { return s.engine }

// Refresh rebuilds the index from the store and swaps it in. Concurrent calls share a
// reload that started after they were called.
func (s *Service) Refresh(ctx context.Context) error {
	return s.refreshCovering(ctx, s.tickets.Add(1))
}

// changed is called after every network write: the writing process sees its own change
// at once; other processes learn of it through the network version (see Watch).
func (s *Service) changed(ctx context.Context) {
	if err := s.Refresh(context.WithoutCancel(ctx)); err != nil {
		s.log.WarnContext(ctx, "dispatch index refresh after a network change failed; Watch retries", "err", err)
	}
}

func (s *Service) refreshCovering(ctx context.Context, ticket int64) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	if s.covered >= ticket {
		return nil
	}
	start := s.tickets.Load()
	if err := s.reload(ctx); err != nil {
		return err
	}
	s.covered = start
	return nil
}

// reload reads the version first, so an index never claims a version newer than what
// it holds.
func (s *Service) reload(ctx context.Context) error {
	version, err := s.networkVersion(ctx)
	if err != nil {
		return err
	}
	n, err := s.loadNetwork(ctx)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	mark := s.book.mark()
	counts, err := s.loadCounts(ctx, DayOf(now.Add(-48*time.Hour), time.UTC))
	if err != nil {
		return err
	}
	s.book.replace(counts, mark)
	s.engine.Use(BuildIndex(n, version, now))
	return nil
}

// RefreshIfChanged rebuilds the index when the stored network version differs from the
// index's, and reports whether it did.
func (s *Service) RefreshIfChanged(ctx context.Context) (bool, error) {
	v, err := s.networkVersion(ctx)
	if err != nil || v == s.engine.Index().Version() {
		return false, err
	}
	return true, s.Refresh(ctx)
}

// Watch keeps the index current until ctx ends: every WatchEvery it compares the stored
// network version with the index's, and every ReloadEvery it rebuilds regardless.
// Run it in every process that decides (API and worker).
func (s *Service) Watch(ctx context.Context) {
	check := time.NewTicker(s.watchEvery)
	defer check.Stop()
	full := time.NewTicker(s.reloadEvery)
	defer full.Stop()
	s.watch(ctx, check.C, full.C)
}

func (s *Service) watch(ctx context.Context, check, full <-chan time.Time) {
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-check:
			_, err = s.RefreshIfChanged(ctx)
		case <-full:
			err = s.Refresh(ctx)
		}
		if err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "dispatch index refresh failed", "err", err)
		}
	}
}

// Stats describes the index decisions currently use.
func (s *Service) Stats() IndexStats { return s.engine.Index().Stats() }

// AddLoad changes the open jobs of ref (an outlet, technician or warehouse) on day by
// delta; the engine's capacity filter and load term read these counts.
func (s *Service) AddLoad(ctx context.Context, ref string, day Day, delta int) error {
	if ref == "" || delta == 0 {
		return apperr.New(apperr.CodeValidation, "load change needs a reference and a non-zero delta")
	}
	if err := s.addLoad(ctx, ref, day, delta); err != nil {
		return err
	}
	s.book.add(ref, day, delta)
	return nil
}
