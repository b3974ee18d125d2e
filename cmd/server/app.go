package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/config"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/openapi"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/mobileapi"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
	"github.com/aftersales/aftersales/registry"
	"github.com/aftersales/aftersales/rma"
)

// Version is the API version reported in /openapi.json.
const Version = "0.1.0"

// App is the wired system: stores, queue, services, HTTP router and task handlers.
type App struct {
	cfg        config.Config
	log        *slog.Logger
	clock      clock.Clock
	db         *mongox.DB
	redis      *queue.Redis
	client     *asynq.Client
	relay      *aggregate.Relay
	sweeper    *aggregate.Sweeper
	auth       *auth.Service
	registry   *registry.Service
	complaints *complaints.Service
	dispatch   *dispatch.Service
	fees       *fees.Service
	rma        *rma.Service
	orders     *orders.Service
	parts      *parts.Service
	mobile     *mobileapi.Service
	idem       *httpx.IdempotencyStore
	reg        *prometheus.Registry
	spec       *openapi.Spec
	engine     *gin.Engine
	mux        *asynq.ServeMux
	closers    []func()
}

// NewApp opens the stores named by cfg (or starts embedded ones) and wires the system.
func NewApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	db, err := mongox.Open(ctx, mongox.Options{URI: cfg.MongoURI, Database: cfg.MongoDatabase,
		DataDir: cfg.DataDir, PostgreSQLURL: cfg.FerretPGURL, Logger: log})
	if err != nil {
		return nil, err
	}
	r, err := queue.Open(ctx, queue.Options{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB,
		PollInterval: cfg.QueuePoll})
	if err != nil {
		_ = db.Close(context.Background())
		return nil, err
	}
	app, err := newApp(ctx, cfg, log, clock.Real{}, db, r)
	if err != nil {
		r.Close()
		_ = db.Close(context.Background())
		return nil, err
	}
	app.closers = append(app.closers, r.Close, func() { _ = db.Close(context.Background()) })
	return app, nil
}

// newApp wires the system over open stores; tests call it with their own.
func newApp(ctx context.Context, cfg config.Config, log *slog.Logger, clk clock.Clock, db *mongox.DB, r *queue.Redis) (*App, error) {
	a := &App{cfg: cfg, log: log, clock: clk, db: db, redis: r, reg: prometheus.NewRegistry(),
		spec: openapi.New("After-sales API", Version)}
	a.client = asynq.NewClient(r.Conn)
	a.closers = append(a.closers, func() { _ = a.client.Close() })
	a.relay = aggregate.NewRelay(a.client, clk, log)
	a.sweeper = aggregate.NewSweeper(db, a.relay, clk, cfg.OutboxGrace, log)
	a.idem = httpx.NewIdempotencyStore(db, httpx.IdempotencyOptions{Clock: clk})
	if err := a.buildServices(ctx); err != nil {
		return nil, err
	}
	if err := a.ensureIndexes(ctx); err != nil {
		return nil, err
	}
	a.engine = a.buildRouter()
	a.mux = a.buildMux()
	return a, nil
}

func (a *App) buildServices(ctx context.Context) error {
	keys, err := auth.LoadKeys(ctx, a.db, a.cfg.JWTKeys, a.clock)
	if err != nil {
		return err
	}
	a.auth, err = auth.NewService(auth.Deps{
		DB: a.db, Publisher: a.relay, Clock: a.clock, Keys: keys, Log: a.log,
		Limiter:   auth.NewRedisLimiter(a.redis.Client(), a.cfg.LoginRateLimit, time.Minute, a.clock),
		Issuer:    a.cfg.JWTIssuer,
		AccessTTL: a.cfg.AccessTTL, RefreshTTL: a.cfg.RefreshTTL, BcryptCost: a.cfg.BcryptCost,
	})
	if err != nil {
		return err
	}
	a.sweeper.Watch(auth.Collections()...)
	a.registry, err = registry.NewService(registry.Deps{DB: a.db, Publisher: a.relay, Clock: a.clock, Log: a.log})
	if err != nil {
		return err
	}
	a.sweeper.Watch(registry.Collections()...)
	a.complaints, err = complaints.NewService(complaints.Deps{DB: a.db, Publisher: a.relay, Clock: a.clock, Log: a.log,
		Directory: a.registry, Users: a.auth})
	if err != nil {
		return err
	}
	a.sweeper.Watch(complaints.Collections()...)
	a.fees, err = fees.NewService(fees.Deps{DB: a.db, Publisher: a.relay, Clock: a.clock, Log: a.log})
	if err != nil {
		return err
	}
	a.sweeper.Watch(fees.Collections()...)
	a.dispatch, err = dispatch.NewService(dispatch.Deps{DB: a.db, Publisher: a.relay, Clock: a.clock, Log: a.log,
		Fees: feeLabour{fees: a.fees, clock: a.clock}})
	if err != nil {
		return err
	}
	a.sweeper.Watch(dispatch.Collections()...)
	a.rma, err = rma.NewService(rma.Deps{DB: a.db, Publisher: a.relay, Clock: a.clock, Log: a.log,
		Directory: a.registry, Cases: a.complaints, Router: a.dispatch})
	if err != nil {
		return err
	}
	a.sweeper.Watch(rma.Collections()...)
	a.orders, err = orders.NewService(orders.Deps{DB: a.db, Publisher: a.relay, Clock: a.clock, Log: a.log,
		Directory: a.registry, Complaints: a.complaints, Dispatch: a.dispatch})
	if err != nil {
		return err
	}
	a.sweeper.Watch(orders.Collections()...)
	net := partsLocations{net: a.dispatch}
	a.parts, err = parts.NewService(parts.Deps{DB: a.db, Publisher: a.relay, Clock: a.clock, Log: a.log,
		Locations: net, Technicians: net, Orders: partsOrders{orders: a.orders, quotes: a.fees},
		UnitHistory: registry.UnitTouched})
	if err != nil {
		return err
	}
	a.sweeper.Watch(parts.Collections()...)
	a.mobile, err = mobileapi.NewService(mobileapi.Deps{DB: a.db, Clock: a.clock, Log: a.log,
		Orders: a.orders, Parts: a.parts, Sessions: a.auth, Idempotency: a.idem})
	return err
}

func (a *App) ensureIndexes(ctx context.Context) error {
	for _, ensure := range []func(context.Context) error{a.auth.EnsureIndexes, a.idem.EnsureIndexes, a.registry.EnsureIndexes,
		a.complaints.EnsureIndexes, a.fees.EnsureIndexes, a.dispatch.EnsureIndexes, a.dispatch.Refresh, a.rma.EnsureIndexes, a.orders.EnsureIndexes,
		a.parts.EnsureIndexes, a.mobile.EnsureIndexes} {
		if err := ensure(ctx); err != nil {
			return err
		}
	}
	for _, coll := range a.sweeper.Collections() {
		if err := a.db.Collection(coll).EnsureIndexes(ctx, aggregate.Indexes()...); err != nil {
			return err
		}
	}
	return nil
}

// Bootstrap creates the first admin; a generated password is printed once, here.
func (a *App) Bootstrap(ctx context.Context, out io.Writer) error {
	password, err := a.auth.EnsureAdmin(ctx, a.cfg.AdminEmail, a.cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("bootstrap admin: %w", err)
	}
	if password != "" && a.cfg.AdminPassword == "" {
		fmt.Fprintf(out, "\nbootstrap admin created: email %s password %s\n(printed once; set ADMIN_PASSWORD to choose it)\n\n", a.cfg.AdminEmail, password)
	}
	return nil
}

// Handler is the HTTP API.
func (a *App) Handler() http.Handler { return a.engine }

// Run serves the role until ctx ends.
func (a *App) Run(ctx context.Context, role string) error {
	errc := make(chan error, 2)
	go a.dispatch.Watch(ctx) // every process keeps its dispatch index in step with the network
	if role == "all" || role == "worker" {
		stop, err := a.startWorker()
		if err != nil {
			return err
		}
		defer stop()
	}
	if role == "all" || role == "api" {
		go func() { errc <- a.serveHTTP(ctx) }()
	} else {
		go func() { <-ctx.Done(); errc <- nil }()
	}
	return <-errc
}

func (a *App) serveHTTP(ctx context.Context) error {
	srv := &http.Server{Addr: a.cfg.HTTPAddr, Handler: a.engine, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	a.log.Info("http listening", "addr", a.cfg.HTTPAddr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close releases everything NewApp opened, last opened first.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// registerMetrics exposes process, Go runtime and queue depth metrics.
func (a *App) registerMetrics() {
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		httpx.NewQueueCollector(asynq.NewInspector(a.redis.Conn)))
}
