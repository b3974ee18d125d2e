// Package mongox connects to MongoDB, or starts FerretDB in-process when no server is
// configured, and wraps collections so that every write is safe on both.
//
// FerretDB v1 applies an update by reading the matching document, changing it in Go and
// writing it back by _id, without re-checking the filter inside the write. Two racing
// conditional updates ({_id, version}) can therefore both succeed. On FerretDB this
// package serialises writes per document inside the process, which is complete for the
// embedded server (only this process can reach it). On MongoDB it adds no locking.
package mongox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Options says which database to use.
type Options struct {
	URI           string // MongoDB URI; empty starts embedded FerretDB
	Database      string
	DataDir       string // embedded FerretDB's SQLite directory
	PostgreSQLURL string // embedded FerretDB on PostgreSQL instead of SQLite
	Logger        *slog.Logger
}

// DB is a connected database.
type DB struct {
	client *mongo.Client
	db     *mongo.Database
	locks  *lockTable // nil when the server applies conditional updates atomically
	stop   func()     // stops an embedded server; nil otherwise
}

// Open connects to opts.URI or starts an embedded FerretDB and connects to it.
func Open(ctx context.Context, opts Options) (*DB, error) {
	uri, stop := opts.URI, func() {}
	if uri == "" {
		srv, err := StartEmbedded(ctx, opts.DataDir, opts.PostgreSQLURL, opts.Logger)
		if err != nil {
			return nil, err
		}
		uri, stop = srv.URI, srv.Stop
	}
	client, err := Connect(ctx, uri)
	if err != nil {
		stop()
		return nil, err
	}
	db := &DB{client: client, db: client.Database(opts.Database), stop: stop}
	if opts.URI == "" || isFerretDB(ctx, client) {
		db.locks = newLockTable()
	}
	return db, nil
}

// Connect opens a client and waits until the server answers a ping.
func Connect(ctx context.Context, uri string) (*mongo.Client, error) {
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("mongo connect: %w", err)
	}
	if err := client.Ping(ctx, nil); err != nil {
		_ = client.Disconnect(context.Background())
		return nil, fmt.Errorf("mongo ping: %w", err)
	}
	return client, nil
}

// isFerretDB asks buildInfo whether the server is FerretDB (it adds a ferretdb section).
func isFerretDB(ctx context.Context, c *mongo.Client) bool {
	var info bson.M
	err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info)
	_, ok := info["ferretdb"]
	return err == nil && ok
}

// Embedded is a FerretDB server running inside this process.
type Embedded struct {
	URI  string
	Stop func()
}

// StartEmbedded starts FerretDB on a loopback port with the SQLite backend under dir,
// or the PostgreSQL backend when pgURL is set.
func StartEmbedded(ctx context.Context, dir, pgURL string, logger *slog.Logger) (*Embedded, error) {
	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:   quiet(logger),
	}
	if pgURL != "" {
		cfg.Handler, cfg.PostgreSQLURL = "postgresql", pgURL
	} else {
		abs, err := filepath.Abs(filepath.Join(dir, "ferretdb"))
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(abs, 0o750); err != nil {
			return nil, fmt.Errorf("embedded mongo data dir: %w", err)
		}
		cfg.Handler, cfg.SQLiteURL = "sqlite", "file:"+abs+"/"
	}
	f, err := ferretdb.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("embedded ferretdb: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(runCtx)
	}()
	return &Embedded{URI: f.MongoDBURI(), Stop: func() { cancel(); <-done }}, nil
}

// quiet keeps FerretDB to errors: at info it logs every connection.
func quiet(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(levelFloor{l.Handler(), slog.LevelError})
}

type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// Close disconnects and stops an embedded server.
func (d *DB) Close(ctx context.Context) error {
	err := d.client.Disconnect(ctx)
	if d.stop != nil {
		d.stop()
	}
	return err
}

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.client.Ping(ctx, nil) }

// Mongo is the underlying database, for reads that need the driver directly.
func (d *DB) Mongo() *mongo.Database { return d.db }

// Collection returns a write-safe wrapper around the named collection.
func (d *DB) Collection(name string) *Collection {
	return &Collection{c: d.db.Collection(name), locks: d.locks, key: d.db.Name() + "." + name}
}

// WithDatabase returns a handle on another database of the same server, sharing its locks.
func (d *DB) WithDatabase(name string) *DB {
	return &DB{client: d.client, db: d.client.Database(name), locks: d.locks}
}

// Errors returned by Collection methods.
var (
	ErrNotFound  = errors.New("mongox: document not found")
	ErrDuplicate = errors.New("mongox: duplicate key")
)

func (h levelFloor) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(attrs), h.min}
}

func (h levelFloor) WithGroup(name string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(name), h.min}
}
