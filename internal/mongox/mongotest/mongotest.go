// Package mongotest gives each test its own database on a real MongoDB-wire server:
// the embedded FerretDB (started once per test binary), or the server in MONGO_URI.
// FERRETDB_POSTGRESQL_URL runs the embedded server on PostgreSQL instead of SQLite.
package mongotest

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

var (
	once    sync.Once
	shared  *mongox.DB
	openErr error
)

// Options returns the mongox options tests use, with a fresh database name.
func Options(tb testing.TB) mongox.Options {
	tb.Helper()
	return mongox.Options{
		URI:           os.Getenv("MONGO_URI"),
		Database:      "t_" + strings.ToLower(ids.ULID()),
		DataDir:       sharedDir(tb),
		PostgreSQLURL: os.Getenv("FERRETDB_POSTGRESQL_URL"),
	}
}

var (
	dirOnce sync.Once
	dir     string
)

func sharedDir(tb testing.TB) string {
	dirOnce.Do(func() {
		d, err := os.MkdirTemp("", "aftersales-ferret-")
		if err != nil {
			tb.Fatalf("temp dir: %v", err)
		}
		dir = d
	})
	return dir
}

// DB returns a handle on a new, empty database that is dropped when the test ends.
func DB(tb testing.TB) *mongox.DB {
	tb.Helper()
	opts := Options(tb)
	once.Do(func() {
		if opts.URI == "" && opts.PostgreSQLURL != "" {
			if opts.PostgreSQLURL, openErr = privatePostgres(context.Background(), opts.PostgreSQLURL); openErr != nil {
				return
			}
		}
		shared, openErr = mongox.Open(context.Background(), opts)
	})
	if openErr != nil {
		tb.Fatalf("open test database: %v", openErr)
	}
	db := shared.WithDatabase(opts.Database)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Mongo().Drop(ctx)
	})
	return db
}
