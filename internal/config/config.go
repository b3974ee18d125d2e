// Package config reads the server's configuration from environment variables into one
// struct with defaults. It is the only place that reads the environment.
package config

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Config is the server's configuration.
type Config struct {
	HTTPAddr          string        // HTTP_ADDR, default :8080
	DataDir           string        // DATA_DIR, embedded FerretDB files, default ./data
	MongoURI          string        // MONGO_URI; empty starts embedded FerretDB
	MongoDatabase     string        // MONGO_DATABASE, default aftersales
	FerretPGURL       string        // FERRETDB_POSTGRESQL_URL: embedded FerretDB on PostgreSQL instead of SQLite
	RedisAddr         string        // REDIS_ADDR; empty starts embedded miniredis
	RedisPassword     string        // REDIS_PASSWORD
	RedisDB           int           // REDIS_DB
	JWTIssuer         string        // JWT_ISSUER, default aftersales
	JWTKeys           string        // JWT_KEYS "kid:secret,kid:secret"; first is the signing key. Empty: generated and kept in MongoDB
	AccessTTL         time.Duration // ACCESS_TOKEN_TTL, default 15m
	RefreshTTL        time.Duration // REFRESH_TOKEN_TTL, default 720h
	AdminEmail        string        // ADMIN_EMAIL, default admin@example.com
	AdminPassword     string        // ADMIN_PASSWORD; empty generates one, printed once
	MaxBodyBytes      int64         // MAX_BODY_BYTES, default 1 MiB
	LoginRateLimit    int           // LOGIN_RATE_LIMIT attempts per minute per account and per IP, default 10
	SweepInterval     time.Duration // SWEEP_INTERVAL, default 30s
	OutboxGrace       time.Duration // OUTBOX_GRACE: how long an event may wait before the sweeper re-drives it, default 1m
	WorkerConcurrency int           // WORKER_CONCURRENCY, default 10
	QueuePoll         time.Duration // QUEUE_POLL_INTERVAL: an idle worker's check for new tasks, default 100ms
	LogLevel          slog.Level    // LOG_LEVEL debug|info|warn|error, default info
	SecureCookies     bool          // SECURE_COOKIES: mark the admin console cookie Secure (behind TLS)
	BcryptCost        int           // BCRYPT_COST, default 10; lower only in tests
	TrustedProxies    []string      // TRUSTED_PROXIES: comma-separated IPs/CIDRs whose X-Forwarded-For is believed; default none
}

// Load builds a Config from getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		HTTPAddr:          p.str("HTTP_ADDR", ":8080"),
		DataDir:           p.str("DATA_DIR", "./data"),
		MongoURI:          p.str("MONGO_URI", ""),
		MongoDatabase:     p.str("MONGO_DATABASE", "aftersales"),
		FerretPGURL:       p.str("FERRETDB_POSTGRESQL_URL", ""),
		RedisAddr:         p.str("REDIS_ADDR", ""),
		RedisPassword:     p.str("REDIS_PASSWORD", ""),
		RedisDB:           p.int("REDIS_DB", 0),
		JWTIssuer:         p.str("JWT_ISSUER", "aftersales"),
		JWTKeys:           p.str("JWT_KEYS", ""),
		AccessTTL:         p.dur("ACCESS_TOKEN_TTL", 15*time.Minute),
		RefreshTTL:        p.dur("REFRESH_TOKEN_TTL", 30*24*time.Hour),
		AdminEmail:        p.str("ADMIN_EMAIL", "admin@example.com"),
		AdminPassword:     p.str("ADMIN_PASSWORD", ""),
		MaxBodyBytes:      int64(p.int("MAX_BODY_BYTES", 1<<20)),
		LoginRateLimit:    p.int("LOGIN_RATE_LIMIT", 10),
		SweepInterval:     p.dur("SWEEP_INTERVAL", 30*time.Second),
		OutboxGrace:       p.dur("OUTBOX_GRACE", time.Minute),
		WorkerConcurrency: p.int("WORKER_CONCURRENCY", 10),
		QueuePoll:         p.dur("QUEUE_POLL_INTERVAL", 100*time.Millisecond), // queue.DefaultPollInterval
		LogLevel:          p.level("LOG_LEVEL"),
		SecureCookies:     p.bool("SECURE_COOKIES"),
		BcryptCost:        p.int("BCRYPT_COST", 10),
		TrustedProxies:    p.list("TRUSTED_PROXIES"),
	}
	return c, p.err
}

// LogValue masks secrets so the config can be logged at start-up.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("http_addr", c.HTTPAddr),
		slog.String("data_dir", c.DataDir),
		slog.String("mongo_uri", maskURI(c.MongoURI)),
		slog.String("mongo_database", c.MongoDatabase),
		slog.Bool("ferretdb_postgresql", c.FerretPGURL != ""),
		slog.String("redis_addr", c.RedisAddr),
		slog.String("jwt_issuer", c.JWTIssuer),
		slog.Bool("jwt_keys_set", c.JWTKeys != ""),
		slog.Duration("access_ttl", c.AccessTTL),
		slog.String("admin_email", c.AdminEmail),
		slog.Int64("max_body_bytes", c.MaxBodyBytes),
	)
}

func maskURI(uri string) string {
	at := strings.LastIndex(uri, "@")
	scheme := strings.Index(uri, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return uri
	}
	return uri[:scheme+3] + "***" + uri[at:]
}

type parser struct {
	getenv func(string) string
	err    error
}

func (p *parser) str(key, def string) string {
	if v := strings.TrimSpace(p.getenv(key)); v != "" {
		return v
	}
	return def
}

func (p *parser) fail(key, v string, err error) {
	if p.err == nil {
		p.err = fmt.Errorf("config %s=%q: %w", key, v, err)
	}
}

func (p *parser) list(key string) []string {
	var out []string
	for _, v := range strings.Split(p.str(key, ""), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (p *parser) int(key string, def int) int {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(key, v, err)
		return def
	}
	return n
}

func (p *parser) dur(key string, def time.Duration) time.Duration {
	v := p.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(key, v, err)
		return def
	}
	return d
}

func (p *parser) bool(key string) bool {
	v := p.str(key, "")
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(key, v, err)
	}
	return b
}

func (p *parser) level(key string) slog.Level {
	var l slog.Level
	v := p.str(key, "info")
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.fail(key, v, err)
	}
	return l
}
