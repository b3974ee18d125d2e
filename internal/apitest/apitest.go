// Package apitest is the harness for HTTP tests of domain packages: a real gin engine
// with the production middlewares and auth, over a fresh embedded database and Redis,
// users of any role with tokens, and synchronous delivery of outbox events by a manual
// clock. Domain tests wire their real service into it; nothing is mocked.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/aggregate/aggregatetest"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
	"github.com/aftersales/aftersales/internal/openapi"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/queue/queuetest"
)

// Env is one test's system.
type Env struct {
	T      testing.TB
	DB     *mongox.DB
	Redis  *queue.Redis
	Clock  *clock.Manual
	Auth   *auth.Service
	Engine *gin.Engine
	API    *httpx.Router // /api/v1, with auth guards and Idempotency-Key
	Root   *httpx.Router // /, for /mobile/v1 and the like
	Spec   *openapi.Spec
	Mux    *asynq.ServeMux
	Idem   *httpx.IdempotencyStore
	Log    *slog.Logger
	colls  []string
}

// Start is the manual clock's starting time: a Monday morning in Shanghai (UTC+8).
var Start = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)

// New builds an Env. Events are not queued: RunDue delivers them.
func New(tb testing.TB) *Env {
	tb.Helper()
	e := &Env{T: tb, DB: mongotest.DB(tb), Redis: queuetest.Redis(tb), Clock: clock.NewManual(Start),
		Mux: asynq.NewServeMux(), Log: slog.New(slog.DiscardHandler), Spec: openapi.New("test", "0")}
	keys, err := auth.ParseKeys("test:" + strings.Repeat("k", 32))
	require.NoError(tb, err)
	e.Auth, err = auth.NewService(auth.Deps{DB: e.DB, Clock: e.Clock, Keys: keys, Log: e.Log,
		Limiter: auth.NewRedisLimiter(e.Redis.Client(), 0, time.Minute, e.Clock), BcryptCost: bcrypt.MinCost})
	require.NoError(tb, err)
	require.NoError(tb, e.Auth.EnsureIndexes(context.Background()))
	e.Auth.Register(e.Mux)
	e.Watch(auth.Collections()...)
	idem := httpx.NewIdempotencyStore(e.DB, httpx.IdempotencyOptions{Clock: e.Clock})
	require.NoError(tb, idem.EnsureIndexes(context.Background()))

	gin.SetMode(gin.TestMode)
	e.Engine = gin.New()
	limits := httpx.NewBodyLimits(1 << 20)
	e.Engine.Use(httpx.RequestIDMiddleware(e.Log), httpx.Recover(), limits.Middleware())
	e.Engine.NoRoute(httpx.NoRoute)
	e.Idem = idem
	e.Root = httpx.NewRouter(&e.Engine.RouterGroup, e.Spec, e.Auth.Guard).WithIdempotency(idem).WithBodyLimits(limits)
	e.API = e.Root.Group("/api/v1")
	auth.NewHandler(e.Auth, false).Routes(e.API)
	return e
}

// Watch adds aggregate collections whose outbox events RunDue delivers.
func (e *Env) Watch(colls ...string) { e.colls = append(e.colls, colls...) }

// RunDue delivers every event due by the manual clock to the handlers on Mux, until
// none is left, and returns the event types in the order they ran.
func (e *Env) RunDue() []string {
	e.T.Helper()
	return aggregatetest.Runner{DB: e.DB, Mux: e.Mux, Colls: e.colls, Now: e.Clock.Now}.RunDue(e.T)
}

// User creates a user of role (with bindings for roles that need them) and returns a
// staff access token and the user.
func (e *Env) User(in auth.CreateUserInput) (string, auth.User) {
	e.T.Helper()
	ctx := context.Background()
	if in.Email == "" {
		in.Email = strings.ToLower(ids.ULID()) + "@example.com"
	}
	if in.Name == "" {
		in.Name = in.Role + " " + in.Email
	}
	in.Password = Password
	u, err := e.Auth.CreateUser(ctx, aggregate.System, in)
	require.NoError(e.T, err)
	return e.Login(u), u
}

// Password is every test user's password.
const Password = "password-for-tests"

// Login signs u in again and returns a fresh access token: tokens live 15 minutes of
// the manual clock, so tests that move it by hours need new ones.
func (e *Env) Login(u auth.User) string {
	e.T.Helper()
	aud, device := auth.AudStaff, ""
	if u.Role == auth.RoleTechnician {
		aud, device = auth.AudMobile, "device-"+u.ID
	}
	s, err := e.Auth.Login(context.Background(), auth.LoginInput{Email: u.Email, Password: Password, Audience: aud, DeviceID: device, IP: "192.0.2.1"})
	require.NoError(e.T, err)
	return s.AccessToken
}

// As is User for a role without bindings (agent, supervisor, dispatcher, finance, admin).
func (e *Env) As(role string) string {
	tok, _ := e.User(auth.CreateUserInput{Role: role})
	return tok
}

// Response is a recorded answer.
type Response struct {
	Code   int
	Body   []byte
	Header http.Header
}

// JSON decodes the body into v, failing the test when it does not decode.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// Map decodes the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// String is the body, for failure messages.
func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Code, r.Body) }

// Do sends a request through the engine. body is sent as is when it is a string or
// []byte, else marshalled as JSON; headers are name, value pairs.
func (e *Env) Do(method, path, token string, body any, headers ...string) *Response {
	e.T.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.T, err)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.Engine.ServeHTTP(w, req)
	return &Response{Code: w.Code, Body: w.Body.Bytes(), Header: w.Header()}
}

// Count counts the documents of a collection, to prove a refused request wrote nothing.
func (e *Env) Count(coll string) int64 {
	e.T.Helper()
	n, err := e.DB.Collection(coll).Count(context.Background(), map[string]any{})
	require.NoError(e.T, err)
	return n
}

// Fuzzed sends one fuzz input and holds the answer to the rules every fuzzed endpoint
// keeps: never a 5xx; a refusal (4xx) writes nothing to coll; a 201 writes exactly one
// document there. It reports through t, the current input's T, never the F.
func (e *Env) Fuzzed(t *testing.T, method, path, token string, body []byte, coll string) *Response {
	e.T = t
	before := e.Count(coll)
	r := e.Do(method, path, token, body)
	wrote := e.Count(coll) - before
	switch {
	case r.Code >= 500:
		t.Fatalf("%s %s %q answered %s", method, path, body, r)
	case r.Code >= 400 && wrote != 0:
		t.Fatalf("%s %s %q answered %d but wrote %d to %s", method, path, body, r.Code, wrote, coll)
	case r.Code == http.StatusCreated && wrote != 1:
		t.Fatalf("%s %s %q answered 201 and wrote %d to %s", method, path, body, wrote, coll)
	}
	return r
}
