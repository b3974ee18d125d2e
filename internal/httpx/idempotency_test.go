package httpx_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
)

const userHeader = "X-Test-User"

// thingsAPI is a small POST API behind the Idempotency middleware that writes one
// document per execution, so tests can count both calls and writes.
type thingsAPI struct {
	engine *gin.Engine
	store  *httpx.IdempotencyStore
	things *mongox.Collection
	keys   *mongox.Collection
	clock  *clock.Manual
	calls  atomic.Int64
	// hold, when set, is waited on by the handler before it writes.
	hold    chan struct{}
	release func()
	started chan struct{}
	status  int // forced status, e.g. 500; 0 for normal behaviour
	panics  bool
}

func newThingsAPI(t *testing.T) *thingsAPI {
	t.Helper()
	db := mongotest.DB(t)
	a := &thingsAPI{things: db.Collection("things"), keys: db.Collection(httpx.IdempotencyCollection),
		clock: clock.NewManual(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)), started: make(chan struct{}, 16)}
	a.store = httpx.NewIdempotencyStore(db, httpx.IdempotencyOptions{Clock: a.clock})
	for range 2 { // runs at every start-up, so a second call must be harmless
		require.NoError(t, a.store.EnsureIndexes(context.Background()))
	}
	e := newEngine(nil)
	fakeAuth := func(c *gin.Context) { c.Set("user_id", c.GetHeader(userHeader)) }
	e.POST("/things", httpx.BodyLimit(1024), fakeAuth, httpx.Idempotency(a.store), a.create)
	e.POST("/things/:id/notes", httpx.BodyLimit(1024), fakeAuth, httpx.Idempotency(a.store), a.create)
	a.engine = e
	return a
}

func (a *thingsAPI) create(c *gin.Context) {
	a.calls.Add(1)
	a.started <- struct{}{}
	var req createThing
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	if a.hold != nil {
		<-a.hold
	}
	switch {
	case a.panics:
		panic("handler bug")
	case a.status >= 500:
		httpx.Error(c, errors.New("database down"))
		return
	}
	id := ids.New("THG")
	if err := a.things.Insert(c.Request.Context(), bson.D{{Key: "_id", Value: id}, {Key: "name", Value: req.Name}}); err != nil {
		httpx.Error(c, err)
		return
	}
	c.Header("Location", "/things/"+id)
	c.JSON(http.StatusCreated, gin.H{"id": id, "name": req.Name})
}

// holdHandlers makes handlers wait until release is called (or the test ends, so a
// failing test never leaves them blocked).
func (a *thingsAPI) holdHandlers(t *testing.T) {
	a.hold = make(chan struct{})
	var once sync.Once
	a.release = func() { once.Do(func() { close(a.hold) }) }
	t.Cleanup(a.release)
}

// within returns the response of f, or fails the test when f has not answered in time:
// a request that should be refused at once but is held in the handler ran when it
// should not have.
func within(t *testing.T, f func() *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	ch := make(chan *httptest.ResponseRecorder, 1)
	go func() { ch <- f() }()
	select {
	case w := <-ch:
		return w
	case <-time.After(30 * time.Second):
		t.Fatal("no answer: the request is executing instead of being refused")
		return nil
	}
}

func (a *thingsAPI) post(path, body, key string, header ...string) *httptest.ResponseRecorder {
	h := append([]string{"Content-Type", "application/json"}, header...)
	if key != "" {
		h = append(h, httpx.IdempotencyKeyHeader, key)
	}
	return call(a.engine, "POST", path, body, h...)
}

func (a *thingsAPI) count(t *testing.T, coll *mongox.Collection) int64 {
	t.Helper()
	n, err := coll.Count(context.Background(), bson.D{})
	require.NoError(t, err)
	return n
}

func TestIdempotencyReplayReturnsFirstResponseAndWritesNothing(t *testing.T) {
	a := newThingsAPI(t)
	first := a.post("/things", `{"name":"kettle","qty":1}`, "key-1")
	require.Equal(t, http.StatusCreated, first.Code, first.Body.String())
	assert.Empty(t, first.Header().Get(httpx.ReplayedHeader))

	for range 2 {
		again := a.post("/things", `{"name":"kettle","qty":1}`, "key-1")
		require.Equal(t, http.StatusCreated, again.Code)
		assert.Equal(t, first.Body.String(), again.Body.String())
		assert.Equal(t, "true", again.Header().Get(httpx.ReplayedHeader))
		assert.Equal(t, first.Header().Get("Location"), again.Header().Get("Location"))
		assert.Equal(t, first.Header().Get("Content-Type"), again.Header().Get("Content-Type"))
	}
	assert.EqualValues(t, 1, a.calls.Load(), "the handler ran once")
	assert.EqualValues(t, 1, a.count(t, a.things), "one document written")
}

func TestIdempotencyRefusesKeyReuse(t *testing.T) {
	cases := []struct {
		name                  string
		firstPath, path, body string
	}{
		{"different body", "/things", "/things", `{"name":"toaster","qty":1}`},
		{"same body, other object", "/things/T1/notes", "/things/T2/notes", `{"name":"kettle","qty":1}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newThingsAPI(t)
			require.Equal(t, http.StatusCreated, a.post(tc.firstPath, `{"name":"kettle","qty":1}`, "key-1").Code)
			w := a.post(tc.path, tc.body, "key-1")

			require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
			assert.Equal(t, apperr.CodeIdempotencyReuse, errorBody(t, w).Code)
			assert.EqualValues(t, 1, a.calls.Load())
		})
	}
}

func TestIdempotencyKeysAreScopedToTheCallerAndRoute(t *testing.T) {
	a := newThingsAPI(t)
	body := `{"name":"kettle","qty":1}`
	require.Equal(t, http.StatusCreated, a.post("/things", body, "key-1", userHeader, "u1").Code)
	other := a.post("/things", body, "key-1", userHeader, "u2")
	anonymous := a.post("/things", body, "key-1")
	otherRoute := a.post("/things/T1/notes", body, "key-1", userHeader, "u1")

	for _, w := range []*httptest.ResponseRecorder{other, anonymous, otherRoute} {
		assert.Equal(t, http.StatusCreated, w.Code)
		assert.Empty(t, w.Header().Get(httpx.ReplayedHeader))
	}
	assert.EqualValues(t, 4, a.calls.Load())
}

func TestIdempotencyWithoutKeyRunsEveryTime(t *testing.T) {
	a := newThingsAPI(t)
	for range 3 {
		require.Equal(t, http.StatusCreated, a.post("/things", `{"name":"kettle","qty":1}`, "").Code)
	}
	assert.EqualValues(t, 3, a.count(t, a.things))
	assert.EqualValues(t, 0, a.count(t, a.keys))
}

func TestIdempotencyRefusesMalformedKeys(t *testing.T) {
	cases := []struct{ name, key string }{
		{"empty", ""},
		{"too long", strings.Repeat("k", 129)},
		{"control character", "key\x01"},
		{"non-ascii", "clé"},
	}
	a := newThingsAPI(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/things", strings.NewReader(`{"name":"kettle","qty":1}`))
			req.Header[httpx.IdempotencyKeyHeader] = []string{tc.key}
			w := httptest.NewRecorder()
			a.engine.ServeHTTP(w, req)

			require.Equal(t, http.StatusBadRequest, w.Code)
			b := errorBody(t, w)
			assert.Equal(t, apperr.CodeValidation, b.Code)
			assert.Contains(t, b.Details, httpx.IdempotencyKeyHeader)
		})
	}
	assert.EqualValues(t, 0, a.calls.Load())
	assert.Equal(t, http.StatusCreated, a.post("/things", `{"name":"kettle","qty":1}`, strings.Repeat("k", 128)).Code)
}

func TestIdempotencyStoresClientErrorsAndReplaysThem(t *testing.T) {
	a := newThingsAPI(t)
	first := a.post("/things", `{"name":"kettle","qty":0}`, "key-1")
	require.Equal(t, http.StatusBadRequest, first.Code)
	again := a.post("/things", `{"name":"kettle","qty":0}`, "key-1")

	assert.Equal(t, http.StatusBadRequest, again.Code)
	assert.Equal(t, "true", again.Header().Get(httpx.ReplayedHeader))
	assert.Equal(t, first.Body.String(), again.Body.String())
	assert.EqualValues(t, 1, a.calls.Load())
}

func TestIdempotencyReleasesKeyAfterServerError(t *testing.T) {
	for _, mode := range []string{"5xx", "panic"} {
		t.Run(mode, func(t *testing.T) {
			a := newThingsAPI(t)
			a.status, a.panics = 500, mode == "panic"
			w := a.post("/things", `{"name":"kettle","qty":1}`, "key-1")
			require.Equal(t, http.StatusInternalServerError, w.Code)
			assert.Equal(t, apperr.CodeInternal, errorBody(t, w).Code, "the error shape survives the buffering")
			assert.EqualValues(t, 0, a.count(t, a.keys), "the key is free again")

			a.status, a.panics = 0, false
			retry := a.post("/things", `{"name":"kettle","qty":1}`, "key-1")
			assert.Equal(t, http.StatusCreated, retry.Code)
			assert.Empty(t, retry.Header().Get(httpx.ReplayedHeader))
			assert.EqualValues(t, 2, a.calls.Load())
		})
	}
}

func TestIdempotencyRefusesOverLimitBodyBeforeClaimingTheKey(t *testing.T) {
	a := newThingsAPI(t)
	req := httptest.NewRequest("POST", "/things", strings.NewReader(`{"name":"`+strings.Repeat("x", 2048)+`"}`))
	req.ContentLength = -1
	req.Header.Set(httpx.IdempotencyKeyHeader, "key-1")
	w := httptest.NewRecorder()
	a.engine.ServeHTTP(w, req)

	require.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, apperr.CodeTooLarge, errorBody(t, w).Code)
	assert.EqualValues(t, 0, a.calls.Load())
	assert.EqualValues(t, 0, a.count(t, a.keys))
}

func TestIdempotencyAnswersInProgressWhileFirstRequestRuns(t *testing.T) {
	a := newThingsAPI(t)
	a.holdHandlers(t)
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- a.post("/things", `{"name":"kettle","qty":1}`, "key-1") }()
	<-a.started

	busy := within(t, func() *httptest.ResponseRecorder { return a.post("/things", `{"name":"kettle","qty":1}`, "key-1") })
	require.Equal(t, http.StatusConflict, busy.Code)
	assert.Equal(t, apperr.CodeInProgress, errorBody(t, busy).Code)
	a.release()
	assert.Equal(t, http.StatusCreated, (<-done).Code)
	assert.Equal(t, "true", a.post("/things", `{"name":"kettle","qty":1}`, "key-1").Header().Get(httpx.ReplayedHeader))
	assert.EqualValues(t, 1, a.calls.Load())
}

func TestIdempotencyRunsConcurrentDuplicatesOnce(t *testing.T) {
	const n = 8
	a := newThingsAPI(t)
	a.holdHandlers(t)
	responses := make(chan *httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-gate
			responses <- a.post("/things", `{"name":"kettle","qty":1}`, "key-1")
		})
	}
	close(gate)
	// The one request that owns the key is held in the handler, so every other one
	// must come back on its own; a second execution would be held too and never answer.
	var refused int
	for range n - 1 {
		select {
		case w := <-responses:
			require.Equal(t, http.StatusConflict, w.Code, w.Body.String())
			refused++
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of %d duplicates answered: more than one request is executing", refused, n-1)
		}
	}
	a.release()
	wg.Wait()
	assert.Equal(t, http.StatusCreated, (<-responses).Code)
	assert.EqualValues(t, 1, a.calls.Load())
	assert.EqualValues(t, 1, a.count(t, a.things))
}

func TestIdempotencyForgetsKeysAfterTheTTL(t *testing.T) {
	a := newThingsAPI(t)
	body := `{"name":"kettle","qty":1}`
	require.Equal(t, http.StatusCreated, a.post("/things", body, "old").Code)
	a.clock.Advance(23 * time.Hour)
	require.Equal(t, http.StatusCreated, a.post("/things", body, "young").Code)
	a.clock.Advance(time.Hour + time.Millisecond)

	n, err := a.store.Sweep(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "only the record older than 24h goes")
	assert.Equal(t, "true", a.post("/things", body, "young").Header().Get(httpx.ReplayedHeader))
	again := a.post("/things", body, "old")
	assert.Equal(t, http.StatusCreated, again.Code)
	assert.Empty(t, again.Header().Get(httpx.ReplayedHeader), "an expired key runs again")
}

func TestIdempotencyTreatsExpiredButUnsweptKeysAsNew(t *testing.T) {
	a := newThingsAPI(t)
	body := `{"name":"kettle","qty":1}`
	require.Equal(t, http.StatusCreated, a.post("/things", body, "key-1").Code)
	a.clock.Advance(25 * time.Hour)

	w := a.post("/things", `{"name":"other","qty":1}`, "key-1")
	assert.Equal(t, http.StatusCreated, w.Code, "an expired key is free even before the sweep")
	assert.EqualValues(t, 2, a.calls.Load())
	assert.EqualValues(t, 1, a.count(t, a.keys))
}

func TestDoAppliesAnActionOnce(t *testing.T) {
	db := mongotest.DB(t)
	store := httpx.NewIdempotencyStore(db, httpx.IdempotencyOptions{})
	ctx := context.Background()
	runs := 0
	action := func() (httpx.Result, error) {
		runs++
		return httpx.Result{Status: 200, Body: []byte(`{"applied":true}`)}, nil
	}

	res, replayed, err := store.Do(ctx, "TEC-1", "sync-42", []byte("checkin A"), action)
	require.NoError(t, err)
	assert.False(t, replayed)
	res2, replayed, err := store.Do(ctx, "TEC-1", "sync-42", []byte("checkin A"), action)
	require.NoError(t, err)
	assert.True(t, replayed)
	assert.Equal(t, res, res2)
	assert.Equal(t, 1, runs)

	_, _, err = store.Do(ctx, "TEC-1", "sync-42", []byte("checkin B"), action)
	assert.ErrorIs(t, err, &apperr.Error{Code: apperr.CodeIdempotencyReuse})
}

func TestDoReleasesTheKeyWhenTheActionFails(t *testing.T) {
	db := mongotest.DB(t)
	store := httpx.NewIdempotencyStore(db, httpx.IdempotencyOptions{})
	ctx := context.Background()
	boom := errors.New("stock service down")
	_, _, err := store.Do(ctx, "TEC-1", "sync-7", []byte("x"), func() (httpx.Result, error) { return httpx.Result{}, boom })
	require.ErrorIs(t, err, boom)

	res, replayed, err := store.Do(ctx, "TEC-1", "sync-7", []byte("x"), func() (httpx.Result, error) {
		return httpx.Result{Status: 201, Body: []byte(`{}`)}, nil
	})
	require.NoError(t, err)
	assert.False(t, replayed)
	assert.Equal(t, 201, res.Status)
}
