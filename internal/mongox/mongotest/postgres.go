package mongotest

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/oklog/ulid/v2"
)

// privatePostgres gives this test binary a PostgreSQL database of its own on the server
// of baseURL. Embedded FerretDB instances sharing one PostgreSQL database break each
// other: FerretDB lists the schemas at start-up and fails when another test binary drops
// one meanwhile. Databases left by earlier runs (their names carry a ULID) are dropped
// once they are an hour old.
func privatePostgres(ctx context.Context, baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", err
	}
	base := strings.TrimPrefix(u.Path, "/")
	if base == "" {
		base = "ferretdb"
	}
	conn, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		return "", fmt.Errorf("postgres for tests: %w", err)
	}
	defer conn.Close(ctx)
	dropStale(ctx, conn, base+"_t_")
	name := base + "_t_" + strings.ToLower(ulid.Make().String())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create test database %s: %w", name, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func dropStale(ctx context.Context, conn *pgx.Conn, prefix string) {
	rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", prefix+"%")
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, n := range names {
		id, err := ulid.ParseStrict(strings.ToUpper(strings.TrimPrefix(n, prefix)))
		if err == nil && time.Since(ulid.Time(id.Time())) > time.Hour {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
		}
	}
}
