package auth

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
)

func (e *env) refresh(token string) (Session, int) {
	e.t.Helper()
	w := e.do(http.MethodPost, "/api/v1/auth/refresh", "", RefreshRequest{RefreshToken: token})
	if w.Code != http.StatusOK {
		return Session{}, w.Code
	}
	return decodeBody[Session](e.t, w), w.Code
}

func TestRefreshRotatesAndReplayRevokesTheFamily(t *testing.T) {
	e := newEnv(t)
	first := e.login(adminEmail, adminPassword)

	second, code := e.refresh(first.RefreshToken)
	require.Equal(t, http.StatusOK, code)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
	assert.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/auth/me", second.AccessToken, nil).Code)

	_, code = e.refresh(first.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, code, "a used token is refused")
	_, code = e.refresh(second.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, code, "the replay revoked the newest token of the family too")
	assert.Equal(t, int64(0), e.count(RefreshCollection, bson.D{{Key: "revoked", Value: false}}))
}

func TestRefreshPicksUpRoleChanges(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(agent("a@example.com"))
	s := e.login("a@example.com", userPassword)
	_, err := e.svc.UpdateUser(context.Background(), aggregate.System, u.ID, UpdateUserInput{Version: u.Version, Tier: ptr(TierL3)})
	require.NoError(t, err)

	next, code := e.refresh(s.RefreshToken)
	require.Equal(t, http.StatusOK, code)
	p, err := e.svc.Verify(context.Background(), next.AccessToken, AudStaff)
	require.NoError(t, err)
	assert.Equal(t, TierL3, p.Tier)
}

func TestLogoutEndsOnlyThatSession(t *testing.T) {
	e := newEnv(t)
	phone := e.login(adminEmail, adminPassword)
	laptop := e.login(adminEmail, adminPassword)

	w := e.do(http.MethodPost, "/api/v1/auth/logout", "", RefreshRequest{RefreshToken: phone.RefreshToken})
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	require.Len(t, w.Result().Cookies(), 1)
	assert.Equal(t, -1, w.Result().Cookies()[0].MaxAge, "the console cookie is cleared")

	_, code := e.refresh(phone.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, code)
	_, code = e.refresh(laptop.RefreshToken)
	assert.Equal(t, http.StatusOK, code)

	w = e.do(http.MethodPost, "/api/v1/auth/logout", "", RefreshRequest{RefreshToken: phone.RefreshToken})
	assert.Equal(t, http.StatusNoContent, w.Code, "logging out twice is fine")
}

func TestRefreshRefusesGarbageAndOtherAudiences(t *testing.T) {
	e := newEnv(t)
	e.createUser(CreateUserInput{Email: "tech@example.com", Password: userPassword, Name: "Tech",
		Role: RoleTechnician, TechnicianID: "TEC-1", OutletID: "OUT-1"})
	mobile, err := e.svc.Login(context.Background(), LoginInput{Email: "tech@example.com", Password: userPassword, Audience: AudMobile, DeviceID: "d1"})
	require.NoError(t, err)

	for _, token := range []string{"garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", mobile.RefreshToken} {
		_, code := e.refresh(token)
		assert.Equal(t, http.StatusUnauthorized, code, token)
	}
	w := e.do(http.MethodPost, "/api/v1/auth/refresh", "", `{}`)
	assert.Equal(t, http.StatusBadRequest, w.Code)

	next, err := e.svc.Refresh(context.Background(), mobile.RefreshToken, AudMobile)
	require.NoError(t, err, "presenting it to the wrong API did not consume it")
	p, err := e.svc.Verify(context.Background(), next.AccessToken, AudMobile)
	require.NoError(t, err)
	assert.Equal(t, "d1", p.DeviceID, "the device carries over to rotated tokens")
}

func TestExpiredRefreshTokensAreRefusedThenSwept(t *testing.T) {
	e := newEnv(t)
	old := e.login(adminEmail, adminPassword)
	e.clock.Advance(29 * 24 * time.Hour)
	recent := e.login(adminEmail, adminPassword)
	e.clock.Advance(2 * 24 * time.Hour)

	_, code := e.refresh(old.RefreshToken)
	assert.Equal(t, http.StatusUnauthorized, code)

	n, err := e.svc.SweepExpired(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.Equal(t, int64(1), e.count(RefreshCollection, bson.D{}))
	_, code = e.refresh(recent.RefreshToken)
	assert.Equal(t, http.StatusOK, code, "the sweep keeps live tokens")
}
