package auth

import (
	"bytes"
	"context"
	"encoding/json"
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
	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
	"github.com/aftersales/aftersales/internal/openapi"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/queue/queuetest"
)

const (
	testSecret    = "0123456789abcdef0123456789abcdef" // 32 bytes
	adminEmail    = "admin@example.com"
	adminPassword = "correct horse battery"
	userPassword  = "s3cret-password"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// env is one service over its own database and Redis, served by a real gin engine
// with the httpx middlewares, and with an admin already created.
type env struct {
	t      *testing.T
	db     *mongox.DB
	redis  *queue.Redis
	clock  *clock.Manual
	svc    *Service
	engine *gin.Engine
}

type envOption func(*Deps)

func withLoginLimit(n int) envOption {
	return func(d *Deps) { d.Limiter = NewRedisLimiter(d.Limiter.(*RedisLimiter).r, n, time.Minute, d.Clock) }
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, db: mongotest.DB(t), redis: queuetest.Redis(t),
		clock: clock.NewManual(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))}
	e.svc = e.newService(opts...)
	_, err := e.svc.EnsureAdmin(context.Background(), adminEmail, adminPassword)
	require.NoError(t, err)
	e.engine = e.newEngine(e.svc)
	return e
}

// newService builds a service on the env's database, as another server would.
func (e *env) newService(opts ...envOption) *Service {
	e.t.Helper()
	client := asynq.NewClient(e.redis.Conn)
	e.t.Cleanup(func() { _ = client.Close() })
	keys, err := ParseKeys("k1:" + testSecret)
	require.NoError(e.t, err)
	d := Deps{DB: e.db, Publisher: aggregate.NewRelay(client, e.clock, discard), Clock: e.clock,
		Limiter: NewRedisLimiter(e.redis.Client(), 1000, time.Minute, e.clock), Keys: keys, // all requests share one IP
		Issuer: "aftersales-test", BcryptCost: bcrypt.MinCost, Log: discard}
	for _, o := range opts {
		o(&d)
	}
	svc, err := NewService(d)
	require.NoError(e.t, err)
	require.NoError(e.t, svc.EnsureIndexes(context.Background()))
	return svc
}

func (e *env) newEngine(svc *Service) *gin.Engine {
	gin.SetMode(gin.TestMode)
	g := gin.New()
	g.Use(httpx.RequestIDMiddleware(discard), httpx.Recover(), httpx.BodyLimit(1<<20))
	g.NoRoute(httpx.NoRoute)
	r := httpx.NewRouter(g.Group("/api/v1"), openapi.New("test", "0"), svc.Guard)
	NewHandler(svc, true).Routes(r)
	return g
}

// do sends a request; body is sent as is when it is a string, else as JSON.
func (e *env) do(method, path, token string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	return w
}

func (e *env) login(email, password string) Session {
	e.t.Helper()
	w := e.do(http.MethodPost, "/api/v1/auth/login", "", LoginRequest{Email: email, Password: password})
	require.Equal(e.t, http.StatusOK, w.Code, w.Body.String())
	return decodeBody[Session](e.t, w)
}

func (e *env) adminToken() string { return e.login(adminEmail, adminPassword).AccessToken }

func (e *env) createUser(in CreateUserInput) User {
	e.t.Helper()
	w := e.do(http.MethodPost, "/api/v1/admin/users", e.adminToken(), in)
	require.Equal(e.t, http.StatusCreated, w.Code, w.Body.String())
	return decodeBody[User](e.t, w)
}

func (e *env) count(coll string, filter bson.D) int64 {
	e.t.Helper()
	n, err := e.db.Collection(coll).Count(context.Background(), filter)
	require.NoError(e.t, err)
	return n
}

func agent(email string) CreateUserInput {
	return CreateUserInput{Email: email, Password: userPassword, Name: "Agent " + email, Role: RoleAgent}
}

func decodeBody[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &v), w.Body.String())
	return v
}

// errorBody is an error response without its request id, which differs per request.
func errorBody(t *testing.T, w *httptest.ResponseRecorder) httpx.ErrorBody {
	t.Helper()
	b := decodeBody[httpx.ErrorBody](t, w)
	b.RequestID = ""
	return b
}
