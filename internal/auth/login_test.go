package auth

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
)

func TestLoginFailuresAnswerAlikeWithoutTokens(t *testing.T) {
	e := newEnv(t)
	e.createUser(agent("active@example.com"))
	off := e.createUser(agent("off@example.com"))
	_, err := e.svc.UpdateUser(context.Background(), aggregate.System, off.ID, UpdateUserInput{Version: off.Version, Disabled: ptr(true)})
	require.NoError(t, err)

	want := httpx.ErrorBody{Code: apperr.CodeUnauthorized, Message: "invalid credentials"}
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", "active@example.com", "not-the-password"},
		{"unknown email", "nobody@example.com", userPassword},
		{"disabled user", "off@example.com", userPassword},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(http.MethodPost, "/api/v1/auth/login", "", LoginRequest{Email: tc.email, Password: tc.password})
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			assert.Equal(t, want, errorBody(t, w))
			assert.NotContains(t, w.Body.String(), "token")
			assert.Empty(t, w.Header().Values("Set-Cookie"))
		})
	}
}

func TestLoginReturnsTokenPairAndAdminConsoleCookie(t *testing.T) {
	e := newEnv(t)
	w := e.do(http.MethodPost, "/api/v1/auth/login", "", LoginRequest{Email: "  ADMIN@example.com ", Password: adminPassword})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	s := decodeBody[Session](t, w)
	assert.Equal(t, "Bearer", s.TokenType)
	assert.Equal(t, int64(15*60), s.ExpiresIn)
	assert.True(t, wellFormed(s.RefreshToken))
	assert.Equal(t, RoleAdmin, s.User.Role)
	assert.NotContains(t, w.Body.String(), "password")

	cookies := w.Result().Cookies()
	require.Len(t, cookies, 1)
	c := cookies[0]
	assert.Equal(t, AccessCookie, c.Name)
	assert.Equal(t, s.AccessToken, c.Value)
	assert.Equal(t, "/admin", c.Path)
	assert.True(t, c.HttpOnly)
	assert.True(t, c.Secure)
	assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
}

func TestLoginGivesNonAdminsNoConsoleCookie(t *testing.T) {
	e := newEnv(t)
	e.createUser(agent("a@example.com"))
	w := e.do(http.MethodPost, "/api/v1/auth/login", "", LoginRequest{Email: "a@example.com", Password: userPassword})
	require.Equal(t, http.StatusOK, w.Code)
	assert.Empty(t, w.Result().Cookies())
}

func TestLoginIsRateLimitedPerAccount(t *testing.T) {
	e := newEnv(t, withLoginLimit(3))
	_, err := e.svc.CreateUser(context.Background(), aggregate.System, agent("a@example.com")) // no admin login: it would count against the IP
	require.NoError(t, err)
	try := func(password string) int {
		return e.do(http.MethodPost, "/api/v1/auth/login", "", LoginRequest{Email: "a@example.com", Password: password}).Code
	}
	for i := 0; i < 3; i++ {
		assert.Equal(t, http.StatusUnauthorized, try("wrong-password"))
	}
	assert.Equal(t, http.StatusTooManyRequests, try(userPassword), "the right password does not skip the limit")

	e.clock.Advance(time.Minute)
	assert.Equal(t, http.StatusOK, try(userPassword), "a new window starts the count again")
}

func TestLoginIsRateLimitedPerClientIP(t *testing.T) {
	e := newEnv(t, withLoginLimit(3))
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		_, err := e.svc.Login(ctx, LoginInput{Email: strings.Repeat("x", i+1) + "@example.com",
			Password: "whatever-it-is", Audience: AudStaff, IP: "198.51.100.7"})
		require.ErrorIs(t, err, ErrInvalidCredentials)
	}
	_, err := e.svc.Login(ctx, LoginInput{Email: adminEmail, Password: adminPassword, Audience: AudStaff, IP: "198.51.100.7"})
	assert.Equal(t, http.StatusTooManyRequests, apperr.Status(err))

	_, err = e.svc.Login(ctx, LoginInput{Email: adminEmail, Password: adminPassword, Audience: AudStaff, IP: "198.51.100.8"})
	assert.NoError(t, err, "another IP has its own count")
}

func TestMobileLoginByPhoneCarriesDevice(t *testing.T) {
	e := newEnv(t)
	e.createUser(CreateUserInput{Email: "tech@example.com", Password: userPassword, Name: "Tech", Phone: "+86 138-0000-0001",
		Role: RoleTechnician, TechnicianID: "TEC-1", OutletID: "OUT-1"})
	ctx := context.Background()

	s, err := e.svc.Login(ctx, LoginInput{Phone: "+8613800000001", Password: userPassword, Audience: AudMobile, DeviceID: "dev-1"})
	require.NoError(t, err)
	p, err := e.svc.Verify(ctx, s.AccessToken, AudMobile)
	require.NoError(t, err)
	assert.Equal(t, Principal{UserID: s.User.ID, Role: RoleTechnician, TechnicianID: "TEC-1", OutletID: "OUT-1",
		DeviceID: "dev-1", Audience: AudMobile}, p)

	_, err = e.svc.Login(ctx, LoginInput{Email: adminEmail, Password: adminPassword, Audience: AudMobile, DeviceID: "dev-1"})
	assert.ErrorIs(t, err, ErrInvalidCredentials, "only technicians sign in to the mobile API")

	_, err = e.svc.Login(ctx, LoginInput{Phone: "+8613800000001", Password: userPassword, Audience: AudMobile})
	assert.Equal(t, http.StatusBadRequest, apperr.Status(err), "mobile logins name their device")
}

func ptr[T any](v T) *T { return &v }
