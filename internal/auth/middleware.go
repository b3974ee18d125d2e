package auth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// AccessCookie carries the staff access token for the admin queue console, which a
// browser opens directly and so cannot send an Authorization header. It is scoped to
// /admin, HttpOnly and SameSite=Strict, so scripts cannot read it and other sites
// cannot make a browser send it.
const AccessCookie = "as_access"

const principalCtxKey = "auth.principal"

// Authenticate requires a valid access token of audience aud, from the Authorization
// header ("Bearer <token>") or, for the staff audience only, the AccessCookie. It puts
// the Principal on the gin context, the request context and user_id for access logs.
func (s *Service) Authenticate(aud string) gin.HandlerFunc {
	if !slices.Contains(Audiences(), aud) {
		panic(fmt.Sprintf("auth: unknown audience %q", aud))
	}
	return func(c *gin.Context) {
		token, ok := bearer(c, aud)
		if !ok {
			httpx.Error(c, errUnauthorized())
			return
		}
		p, err := s.Verify(c.Request.Context(), token, aud)
		if err != nil {
			httpx.Error(c, err)
			return
		}
		c.Set(principalCtxKey, p)
		c.Set("user_id", p.UserID)
		c.Request = c.Request.WithContext(WithPrincipal(c.Request.Context(), p))
		c.Next()
	}
}

// bearer finds the token. A present but malformed Authorization header is refused
// rather than falling back to the cookie: one request, one credential.
func bearer(c *gin.Context, aud string) (string, bool) {
	if h := c.GetHeader("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		token = strings.TrimSpace(token)
		return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
	}
	if aud != AudStaff {
		return "", false
	}
	token, err := c.Cookie(AccessCookie)
	return token, err == nil && token != ""
}

// PrincipalFrom returns the principal Authenticate put on c; the zero Principal when
// the route is public.
func PrincipalFrom(c *gin.Context) Principal {
	p, _ := c.Get(principalCtxKey)
	pr, _ := p.(Principal)
	return pr
}

// RequireRole lets through principals holding one of roles and answers 403 otherwise.
// It must follow Authenticate; without a principal it answers 401.
func RequireRole(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := PrincipalFrom(c)
		switch {
		case p.UserID == "":
			httpx.Error(c, errUnauthorized())
		case !p.HasRole(roles...):
			httpx.Error(c, apperr.Forbidden("your role may not do this"))
		default:
			c.Next()
		}
	}
}

// Guard is the middleware a documented operation needs: none for a public one (no
// Roles), else Authenticate for its audience and RequireRole for its roles. Pass it
// to httpx.NewRouter.
func (s *Service) Guard(op openapi.Operation) []gin.HandlerFunc {
	if len(op.Roles) == 0 {
		return nil
	}
	return []gin.HandlerFunc{s.Authenticate(op.Audience), RequireRole(op.Roles...)}
}
