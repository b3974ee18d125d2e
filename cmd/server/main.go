// Command server runs the after-sales HTTP API and the Asynq worker: both in one process
// by default (--role=all), or apart (--role=api, --role=worker) so production can scale
// them separately. With no MONGO_URI or REDIS_ADDR it starts embedded FerretDB and
// miniredis, so one command runs the whole system on a bare machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aftersales/aftersales/internal/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// run parses flags and runs the chosen role until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(getenv)
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	role := fs.String("role", "all", "what to run: api, worker or all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if err := checkRole(*role, cfg); err != nil {
		return err
	}
	log.Info("starting", "role", *role, "config", cfg)
	app, err := NewApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Bootstrap(ctx, stdout); err != nil {
		return err
	}
	return app.Run(ctx, *role)
}

// checkRole refuses to split roles over embedded stores: another process cannot reach
// them, so an API without a worker would queue work nobody ever does.
func checkRole(role string, cfg config.Config) error {
	switch role {
	case "all":
		return nil
	case "api", "worker":
		if cfg.MongoURI == "" || cfg.RedisAddr == "" {
			return fmt.Errorf("--role=%s needs MONGO_URI and REDIS_ADDR shared with the other role; embedded stores only work with --role=all", role)
		}
		return nil
	default:
		return fmt.Errorf("--role must be api, worker or all, not %q", role)
	}
}

// healthcheck is the container's HEALTHCHECK: the distroless image has no curl.
func healthcheck(getenv func(string) string) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	addr := cfg.HTTPAddr
	if addr != "" && addr[0] == ':' {
		addr = "127.0.0.1" + addr
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://" + addr + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("unhealthy: " + resp.Status)
	}
	return nil
}
