package auth

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/queue"
	"github.com/aftersales/aftersales/internal/queue/queuetest"
)

// queuedTask finds the task of type typ that the relay put on the default queue.
func (e *env) queuedTask(typ string) *asynq.Task {
	e.t.Helper()
	insp := asynq.NewInspector(e.redis.Conn)
	defer insp.Close()
	infos, err := insp.ListPendingTasks(queue.Default)
	require.NoError(e.t, err)
	for _, info := range infos {
		if info.Type == typ {
			return asynq.NewTask(info.Type, info.Payload)
		}
	}
	e.t.Fatalf("no %s task queued among %d", typ, len(infos))
	return nil
}

func TestDisablingUserQueuesEventWhoseHandlerEndsTheirSessions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.createUser(agent("a@example.com"))
	s1 := e.login("a@example.com", userPassword)
	s2 := e.login("a@example.com", userPassword)
	other := e.login(adminEmail, adminPassword)

	w := e.do(http.MethodPatch, "/api/v1/admin/users/"+u.ID, e.adminToken(), UpdateUserInput{Version: u.Version, Disabled: ptr(true)})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.True(t, decodeBody[User](t, w).Disabled)

	var d userDoc
	require.NoError(t, e.svc.users.Load(ctx, u.ID, &d))
	var types []string
	for _, ev := range d.Outbox { // no worker runs here, so nothing was acknowledged
		types = append(types, ev.Type)
	}
	assert.Equal(t, []string{TypeUserCreated, TypeUserDisabled}, types, "the event is written with the change")

	task := e.queuedTask(TypeUserDisabled)
	require.NoError(t, e.svc.HandleUserDisabled(ctx, task))
	require.NoError(t, e.svc.HandleUserDisabled(ctx, task), "redelivery is harmless")

	assert.Equal(t, int64(0), e.count(RefreshCollection, bson.D{{Key: "user_id", Value: u.ID}, {Key: "revoked", Value: false}}))
	for _, s := range []Session{s1, s2} {
		_, code := e.refresh(s.RefreshToken)
		assert.Equal(t, http.StatusUnauthorized, code)
	}
	_, code := e.refresh(other.RefreshToken)
	assert.Equal(t, http.StatusOK, code, "other users keep their sessions")
}

func TestWorkerDeliversUserEventsAndEmptiesTheOutbox(t *testing.T) {
	e := newEnv(t)
	mux := asynq.NewServeMux()
	mux.Use(aggregate.NewAcker(e.db, discard).Middleware)
	e.svc.Register(mux)
	queuetest.Worker(t, e.redis, mux)

	u := e.createUser(agent("a@example.com"))
	e.login("a@example.com", userPassword)
	w := e.do(http.MethodPatch, "/api/v1/admin/users/"+u.ID, e.adminToken(), UpdateUserInput{Version: u.Version, Disabled: ptr(true)})
	require.Equal(t, http.StatusOK, w.Code)

	live := bson.D{{Key: "user_id", Value: u.ID}, {Key: "revoked", Value: false}}
	pending := bson.D{{Key: "_id", Value: u.ID}, {Key: "outbox_due", Value: bson.D{{Key: "$exists", Value: true}}}}
	none := func(coll string, filter bson.D) bool { // runs off the test goroutine: no require
		n, err := e.db.Collection(coll).Count(context.Background(), filter)
		return err == nil && n == 0
	}
	assert.Eventually(t, func() bool { return none(RefreshCollection, live) && none(UsersCollection, pending) },
		15*time.Second, 50*time.Millisecond, "sessions revoked and both events acknowledged")
}

func TestRefreshRefusesDisabledUserBeforeTheEventIsHandled(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(agent("a@example.com"))
	s := e.login("a@example.com", userPassword)
	w := e.do(http.MethodPatch, "/api/v1/admin/users/"+u.ID, e.adminToken(), UpdateUserInput{Version: u.Version, Disabled: ptr(true)})
	require.Equal(t, http.StatusOK, w.Code)

	_, code := e.refresh(s.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, code)
}

func TestCreatingUserQueuesUserCreated(t *testing.T) {
	e := newEnv(t)
	e.createUser(agent("a@example.com"))
	task := e.queuedTask(TypeUserCreated)
	assert.NoError(t, e.svc.HandleUserCreated(context.Background(), task))
}

func TestUserEventHandlersSkipMalformedPayloads(t *testing.T) {
	e := newEnv(t)
	for _, payload := range []string{`not json`, `{"event_id":"EVT-1","data":"not an object"}`} {
		err := e.svc.HandleUserDisabled(context.Background(), asynq.NewTask(TypeUserDisabled, []byte(payload)))
		assert.True(t, errors.Is(err, asynq.SkipRetry), payload)
	}
}
