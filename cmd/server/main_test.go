package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines to write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// startServer runs the real run() as `go run ./cmd/server` would on a bare machine
// (embedded FerretDB on SQLite under dataDir, embedded Redis) and waits for /healthz.
func startServer(t *testing.T, dataDir string) (base string, out *syncBuffer, stop func()) {
	addr := freeAddr(t)
	env := map[string]string{"HTTP_ADDR": addr, "DATA_DIR": dataDir, "ADMIN_EMAIL": "boss@example.com", "BCRYPT_COST": "4"}
	out = &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, out) }()
	base = "http://" + addr
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "server did not come up: %s", out)
	return base, out, func() {
		cancel()
		require.NoError(t, <-done)
	}
}

func login(t *testing.T, base, email, password string) (int, map[string]any) {
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	return resp.StatusCode, m
}

var printedPassword = regexp.MustCompile(`bootstrap admin created: email \S+ password (\S+)`)

func TestServerRunsOnABareMachineAndKeepsDataAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	base, out, stop := startServer(t, dir)

	m := printedPassword.FindStringSubmatch(out.String())
	require.Len(t, m, 2, "the generated admin password is printed on first run")
	status, body := login(t, base, "boss@example.com", m[1])
	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.NotEmpty(t, body["access_token"])

	resp, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	stop()

	base, out, stop = startServer(t, dir)
	defer stop()
	assert.NotContains(t, out.String(), "bootstrap admin created", "printed once, on the first run only")
	status, body = login(t, base, "boss@example.com", m[1])
	assert.Equal(t, http.StatusOK, status, "the admin survived the restart: %v", body)
}

func TestRunRefusesSplitRolesOnEmbeddedStores(t *testing.T) {
	env := map[string]string{"DATA_DIR": t.TempDir()}
	err := run(context.Background(), []string{"--role=api"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MONGO_URI and REDIS_ADDR")

	err = run(context.Background(), []string{"--role=bogus"}, func(k string) string { return env[k] }, &bytes.Buffer{})
	assert.ErrorContains(t, err, "--role must be")
}
