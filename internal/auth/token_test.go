package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// validClaims are the claims of a token the env's service would issue to userID.
func (e *env) validClaims(userID string) claims {
	now := e.clock.Now()
	return claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "aftersales-test", Subject: userID,
		Audience: jwt.ClaimStrings{AudStaff}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		NotBefore: jwt.NewNumericDate(now), IssuedAt: jwt.NewNumericDate(now), ID: "jti-1"}, Role: RoleAdmin}
}

func sign(t *testing.T, m jwt.SigningMethod, kid string, key any, c claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// withPayload swaps a signed token's payload and keeps its signature.
func withPayload(token, payload string) string {
	parts := strings.Split(token, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(payload))
	return strings.Join(parts, ".")
}

func TestAuthenticateRefusesBadTokens(t *testing.T) {
	e := newEnv(t)
	admin := e.login(adminEmail, adminPassword)
	require.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/auth/me", admin.AccessToken, nil).Code)

	good := e.validClaims(admin.User.ID)
	with := func(change func(*claims)) claims { c := good; change(&c); return c }
	secret := []byte(testSecret)
	forgedPayload := `{"iss":"aftersales-test","sub":"` + admin.User.ID + `","aud":["staff"],"role":"admin","exp":9999999999,"nbf":1,"iat":1}`
	for _, tc := range []struct{ name, header string }{
		{"no header", ""},
		{"bearer without token", "Bearer "},
		{"other scheme", "Basic " + admin.AccessToken},
		{"garbled token", "Bearer not.a.jwt"},
		{"tampered signature", "Bearer " + admin.AccessToken[:len(admin.AccessToken)-10] + "AAAAAAAAAA"},
		{"tampered payload", "Bearer " + withPayload(admin.AccessToken, forgedPayload)},
		{"signed with another secret", "Bearer " + sign(t, jwt.SigningMethodHS256, "k1", []byte(strings.Repeat("z", 32)), good)},
		{"alg none", "Bearer " + sign(t, jwt.SigningMethodNone, "k1", jwt.UnsafeAllowNoneSignatureType, good)},
		{"HS512 with the right secret", "Bearer " + sign(t, jwt.SigningMethodHS512, "k1", secret, good)},
		{"unknown kid", "Bearer " + sign(t, jwt.SigningMethodHS256, "k9", secret, good)},
		{"no kid", "Bearer " + sign(t, jwt.SigningMethodHS256, "", secret, good)},
		{"mobile audience", "Bearer " + sign(t, jwt.SigningMethodHS256, "k1", secret, with(func(c *claims) { c.Audience = jwt.ClaimStrings{AudMobile} }))},
		{"other issuer", "Bearer " + sign(t, jwt.SigningMethodHS256, "k1", secret, with(func(c *claims) { c.Issuer = "someone-else" }))},
		{"not yet valid", "Bearer " + sign(t, jwt.SigningMethodHS256, "k1", secret, with(func(c *claims) { c.NotBefore = jwt.NewNumericDate(e.clock.Now().Add(time.Minute)) }))},
		{"no expiry", "Bearer " + sign(t, jwt.SigningMethodHS256, "k1", secret, with(func(c *claims) { c.ExpiresAt = nil }))},
		{"unknown role", "Bearer " + sign(t, jwt.SigningMethodHS256, "k1", secret, with(func(c *claims) { c.Role = "root" }))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/auth/me", nil)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			w := httptest.NewRecorder()
			e.engine.ServeHTTP(w, req)
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			assert.Equal(t, httpx.ErrorBody{Code: apperr.CodeUnauthorized, Message: "authentication required"}, errorBody(t, w))
		})
	}
	assert.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/auth/me", sign(t, jwt.SigningMethodHS256, "k1", secret, good), nil).Code,
		"the well-formed token the cases are derived from is accepted")
}

func TestAccessTokenExpiresAfterItsTTL(t *testing.T) {
	e := newEnv(t)
	token := e.adminToken()
	e.clock.Advance(14 * time.Minute)
	assert.Equal(t, http.StatusOK, e.do(http.MethodGet, "/api/v1/auth/me", token, nil).Code)
	e.clock.Advance(2 * time.Minute)
	assert.Equal(t, http.StatusUnauthorized, e.do(http.MethodGet, "/api/v1/auth/me", token, nil).Code)
}

func TestMobileTokenIsRefusedOnStaffRoutes(t *testing.T) {
	e := newEnv(t)
	e.createUser(CreateUserInput{Email: "tech@example.com", Password: userPassword, Name: "Tech",
		Role: RoleTechnician, TechnicianID: "TEC-1", OutletID: "OUT-1"})
	s, err := e.svc.Login(context.Background(), LoginInput{Email: "tech@example.com", Password: userPassword, Audience: AudMobile, DeviceID: "d1"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, e.do(http.MethodGet, "/api/v1/auth/me", s.AccessToken, nil).Code)
}

func TestRotatedOutKeyStillVerifies(t *testing.T) {
	e := newEnv(t)
	old := e.adminToken()
	rotated := e.newService(func(d *Deps) {
		d.Keys, _ = ParseKeys("k2:" + strings.Repeat("n", 32) + ",k1:" + testSecret)
	})
	p, err := rotated.Verify(context.Background(), old, AudStaff)
	require.NoError(t, err)
	assert.Equal(t, RoleAdmin, p.Role)

	fresh, _, err := rotated.tokens.issue(p)
	require.NoError(t, err)
	tok, _, err := jwt.NewParser().ParseUnverified(fresh, &claims{})
	require.NoError(t, err)
	assert.Equal(t, "k2", tok.Header["kid"], "the first key signs")
	_, err = e.svc.Verify(context.Background(), fresh, AudStaff)
	assert.Error(t, err, "a server without the new key refuses its tokens")
}

func TestCookieAuthenticatesOnlyTheStaffAudience(t *testing.T) {
	e := newEnv(t)
	token := e.adminToken()
	g := gin.New()
	ok := func(c *gin.Context) { c.String(http.StatusOK, PrincipalFrom(c).UserID) }
	g.GET("/admin/staff", e.svc.Authenticate(AudStaff), ok)
	g.GET("/admin/mobile", e.svc.Authenticate(AudMobile), ok)
	for _, tc := range []struct {
		path, auth string
		want       int
	}{
		{"/admin/staff", "", http.StatusOK},
		{"/admin/mobile", "", http.StatusUnauthorized},
		{"/admin/staff", "Bearer garbage", http.StatusUnauthorized}, // a bad header does not fall back to the cookie
	} {
		req := httptest.NewRequest(http.MethodGet, tc.path, nil)
		req.AddCookie(&http.Cookie{Name: AccessCookie, Value: token})
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		g.ServeHTTP(w, req)
		assert.Equal(t, tc.want, w.Code, tc.path+" "+tc.auth)
	}
}

func TestGuardLeavesPublicOperationsOpen(t *testing.T) {
	e := newEnv(t)
	assert.Nil(t, e.svc.Guard(openapi.Operation{Method: http.MethodPost, Path: "/auth/login"}))
	assert.Len(t, e.svc.Guard(openapi.Operation{Roles: []string{RoleAdmin}, Audience: AudStaff}), 2)
	assert.Panics(t, func() { e.svc.Guard(openapi.Operation{Roles: []string{RoleAdmin}}) }, "a guarded route must name its audience")
}

func TestEveryRouteIsDocumented(t *testing.T) {
	e := newEnv(t)
	spec := openapi.New("test", "0")
	NewHandler(e.svc, false).Routes(httpx.NewRouter(gin.New().Group("/api/v1"), spec, e.svc.Guard))
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/auth/login"}, {http.MethodPost, "/api/v1/auth/refresh"},
		{http.MethodPost, "/api/v1/auth/logout"}, {http.MethodGet, "/api/v1/auth/me"},
		{http.MethodPost, "/api/v1/admin/users"}, {http.MethodGet, "/api/v1/admin/users"},
		{http.MethodGet, "/api/v1/admin/users/:id"}, {http.MethodPatch, "/api/v1/admin/users/:id"},
	} {
		assert.True(t, spec.Has(r.method, r.path), r.method+" "+r.path)
	}
	doc, err := json.Marshal(spec.Document())
	require.NoError(t, err)
	assert.Contains(t, string(doc), `"/api/v1/admin/users/{id}"`)
	assert.NotContains(t, string(doc), "password_hash")
}
