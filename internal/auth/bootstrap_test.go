package auth

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
)

func TestEnsureAdminGeneratesPasswordOnceAndIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	fresh := e.db.WithDatabase(e.db.Mongo().Name() + "_fresh")
	t.Cleanup(func() { _ = fresh.Mongo().Drop(context.Background()) })
	e.db = fresh
	svc := e.newService()

	generated, err := svc.EnsureAdmin(ctx, "root@example.com", "")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(generated), MinPasswordLen)
	_, err = svc.Login(ctx, LoginInput{Email: "root@example.com", Password: generated, Audience: AudStaff})
	require.NoError(t, err, "the generated password signs in")

	restarted := e.newService()
	again, err := restarted.EnsureAdmin(ctx, "root@example.com", "")
	require.NoError(t, err)
	assert.Empty(t, again, "no second password once an admin exists")
	assert.Equal(t, int64(1), e.count(UsersCollection, bson.D{{Key: "role", Value: RoleAdmin}}))
}

func TestEnsureAdminUsesTheGivenPassword(t *testing.T) {
	e := newEnv(t) // newEnv ran EnsureAdmin with adminPassword
	generated, err := e.svc.EnsureAdmin(context.Background(), adminEmail, "")
	require.NoError(t, err)
	assert.Empty(t, generated)
	e.login(adminEmail, adminPassword)
}

func TestGeneratedSigningKeyIsSharedByEveryServer(t *testing.T) {
	db := mongotest.DB(t)
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))

	const n = 4
	rings := make([]*Keyring, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); rings[i], errs[i] = LoadKeys(ctx, db, "", clk) }()
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, rings[0].Signing(), rings[i].Signing(), "concurrent first starts agree on one key")
	}
	assert.GreaterOrEqual(t, len(rings[0].Signing().Secret), MinSecretLen)

	issuer := newTokens(rings[0], "aftersales", time.Minute, clk)
	token, _, err := issuer.issue(Principal{UserID: "USR-1", Role: RoleAdmin, Audience: AudStaff})
	require.NoError(t, err)
	later, err := LoadKeys(ctx, db, "", clk) // a restart
	require.NoError(t, err)
	p, err := newTokens(later, "aftersales", time.Minute, clk).verify(token, AudStaff)
	require.NoError(t, err, "a token from one server verifies on another")
	assert.Equal(t, "USR-1", p.UserID)
}

func TestConfiguredKeysOverrideTheGeneratedOne(t *testing.T) {
	ring, err := LoadKeys(context.Background(), mongotest.DB(t), "k7:"+testSecret, clock.Real{})
	require.NoError(t, err)
	assert.Equal(t, "k7", ring.Signing().ID)
}

func TestParseKeys(t *testing.T) {
	long := strings.Repeat("s", MinSecretLen)
	for _, tc := range []struct {
		spec    string
		signing string // empty: an error is expected
	}{
		{"a:" + long, "a"},
		{"a:" + long + ", b:" + long, "a"},
		{"a:" + long + ",b:" + long[1:], ""},
		{"a" + long, ""},
		{":" + long, ""},
		{"a:" + long + ",a:" + long, ""},
		{"", ""},
	} {
		ring, err := ParseKeys(tc.spec)
		if tc.signing == "" {
			assert.Error(t, err, tc.spec)
			continue
		}
		require.NoError(t, err, tc.spec)
		assert.Equal(t, tc.signing, ring.Signing().ID)
	}
}
