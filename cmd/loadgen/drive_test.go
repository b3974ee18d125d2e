package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDriverRunsEveryStageAgainstTheRealServer builds the server, starts it on its
// embedded stores (a fresh database: seeded networks of other runs would answer
// offers nobody here can take), and runs a small load through every stage: RMA to the warehouse receipt, service order to the
// technician's completion and its pricing. It is the guard against the driver and the
// API drifting apart.
func TestDriverRunsEveryStageAgainstTheRealServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the server")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "server")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "../server")
	start := time.Now()
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	t.Logf("server built in %s", time.Since(start).Round(time.Millisecond))

	addr := freeAddr(t)
	var logs bytes.Buffer
	srv := exec.Command(bin)
	srv.Env = append(withoutStores(os.Environ()), "HTTP_ADDR="+addr, "DATA_DIR="+filepath.Join(dir, "data"),
		"ADMIN_PASSWORD=admin-password-1", "LOGIN_RATE_LIMIT=100000", "LOG_LEVEL=warn")
	srv.Stdout, srv.Stderr = &logs, &logs
	require.NoError(t, srv.Start())
	t.Cleanup(func() {
		_ = srv.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- srv.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = srv.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server output:\n%s", logs.String())
		}
	})
	waitHealthy(t, "http://"+addr)
	t.Logf("server ready %s after the build", time.Since(start).Round(time.Millisecond))

	var stdout, stderr bytes.Buffer
	args := []string{"-target", "http://" + addr, "-admin-password", "admin-password-1", "-seed-outlets", "6",
		"-seed-technicians", "12", "-seed-warehouses", "2", "-customers", "20", "-agents", "2", "-count", "8",
		"-concurrency", "2", "-mix", "rma=0.5,service=0.5", "-inhouse-share", "0.5", "-seed", "7", "-json"}
	require.NoError(t, run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr), stderr.String())

	var rep report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
	assert.Equal(t, flowCounts{Started: 8, Finished: 8, RMA: rep.Flows.RMA, Service: rep.Flows.Service}, rep.Flows, stderr.String())
	assert.Empty(t, rep.Skipped, "the server has every stage")
	steps := map[string]Summary{}
	for _, s := range append(rep.Steps, rep.EndToEnd...) {
		steps[s.Step] = s
	}
	if rep.Flows.RMA > 0 {
		assert.EqualValues(t, rep.Flows.RMA, steps["warehouse receipt"].Count)
		assert.Zero(t, steps["warehouse receipt"].Errors)
	}
	if rep.Flows.Service > 0 {
		for _, step := range []string{"technician check-in", "technician complete", "order completed→priced", "complaint→resolved"} {
			assert.EqualValues(t, rep.Flows.Service, steps[step].Count, step)
			assert.Zero(t, steps[step].Errors, step)
		}
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	require.FailNow(t, fmt.Sprintf("server at %s not ready after 2 minutes", base))
}

// withoutStores drops the variables that point the server at external stores.
func withoutStores(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name != "MONGO_URI" && name != "REDIS_ADDR" && name != "FERRETDB_POSTGRESQL_URL" {
			out = append(out, kv)
		}
	}
	return out
}
