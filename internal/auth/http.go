package auth

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves the sign-in endpoints and the admins' user management.
type Handler struct {
	svc           *Service
	secureCookies bool
}

// NewHandler returns the handler; secureCookies marks the admin console cookie Secure
// (set it when the server is reached over TLS).
func NewHandler(svc *Service, secureCookies bool) *Handler {
	return &Handler{svc: svc, secureCookies: secureCookies}
}

// LoginRequest is the staff sign-in body.
type LoginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// Validate reports missing fields.
func (r LoginRequest) Validate() error {
	f := apperr.Fields{}
	f.Required("email", r.Email)
	f.Required("password", r.Password)
	return f.Err()
}

// RefreshRequest carries a refresh token.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// Validate reports a missing token.
func (r RefreshRequest) Validate() error {
	f := apperr.Fields{}
	f.Required("refresh_token", r.RefreshToken)
	return f.Err()
}

// UserList is a page of users.
type UserList = httpx.PageResult[User]

// Routes registers the endpoints on r, the /api/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	admin := []string{RoleAdmin}
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/auth/login", Summary: "Sign in with email and password",
		Tag: "auth", Audience: AudStaff, Request: LoginRequest{}, Response: Session{},
		Description: "Admins also get the as_access cookie for the queue console under /admin."}, h.login)
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/auth/refresh", Summary: "Exchange a refresh token for new tokens",
		Tag: "auth", Audience: AudStaff, Request: RefreshRequest{}, Response: Session{},
		Description: "Each refresh token works once; presenting a used one ends the whole session."}, h.refresh)
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/auth/logout", Summary: "End the session of a refresh token",
		Tag: "auth", Audience: AudStaff, Request: RefreshRequest{}, Status: http.StatusNoContent}, h.logout)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/auth/me", Summary: "The signed-in user",
		Tag: "auth", Roles: Roles(), Audience: AudStaff, Response: User{}}, h.me)
	r.Handle(openapi.Operation{Method: http.MethodPost, Path: "/admin/users", Summary: "Create a user",
		Tag: "auth", Roles: admin, Audience: AudStaff, Request: CreateUserInput{}, Response: User{}, Status: http.StatusCreated}, h.createUser)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/admin/users", Summary: "List users",
		Tag: "auth", Roles: admin, Audience: AudStaff, Response: UserList{},
		Query: append([]openapi.Param{{Name: "role", Enum: Roles()}}, httpx.PageParams...)}, h.listUsers)
	r.Handle(openapi.Operation{Method: http.MethodGet, Path: "/admin/users/:id", Summary: "Get a user",
		Tag: "auth", Roles: admin, Audience: AudStaff, Response: User{}}, h.getUser)
	r.Handle(openapi.Operation{Method: http.MethodPatch, Path: "/admin/users/:id", Summary: "Change a user",
		Tag: "auth", Roles: admin, Audience: AudStaff, Request: UpdateUserInput{}, Response: User{},
		Description: "Send the version you read; a stale version answers 409 version_conflict."}, h.updateUser)
}

func (h *Handler) login(c *gin.Context) {
	var req LoginRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.Login(c.Request.Context(), LoginInput{Email: req.Email, Password: req.Password,
		Audience: AudStaff, IP: c.ClientIP()})
	if err != nil {
		httpx.Error(c, err)
		return
	}
	h.setConsoleCookie(c, s)
	c.JSON(http.StatusOK, s)
}

func (h *Handler) refresh(c *gin.Context) {
	var req RefreshRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	s, err := h.svc.Refresh(c.Request.Context(), req.RefreshToken, AudStaff)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	h.setConsoleCookie(c, s)
	c.JSON(http.StatusOK, s)
}

func (h *Handler) logout(c *gin.Context) {
	var req RefreshRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	if err := h.svc.Logout(c.Request.Context(), req.RefreshToken); err != nil {
		httpx.Error(c, err)
		return
	}
	h.cookie(c, "", -1)
	c.Status(http.StatusNoContent)
}

// setConsoleCookie gives admins the console cookie; it lives as long as the token in it.
func (h *Handler) setConsoleCookie(c *gin.Context, s Session) {
	if s.User.Role == RoleAdmin {
		h.cookie(c, s.AccessToken, int(s.ExpiresIn))
	}
}

func (h *Handler) cookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: AccessCookie, Value: value, Path: "/admin", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteStrictMode})
}

func (h *Handler) me(c *gin.Context) {
	u, err := h.svc.GetUser(c.Request.Context(), PrincipalFrom(c).UserID)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (h *Handler) createUser(c *gin.Context) {
	var in CreateUserInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	u, err := h.svc.CreateUser(c.Request.Context(), PrincipalFrom(c).Actor(), in)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

func (h *Handler) listUsers(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	list, err := h.svc.ListUsers(c.Request.Context(), c.Query("role"), page)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, list)
}

func (h *Handler) getUser(c *gin.Context) {
	u, err := h.svc.GetUser(c.Request.Context(), c.Param("id"))
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}

func (h *Handler) updateUser(c *gin.Context) {
	var in UpdateUserInput
	if err := httpx.Bind(c, &in); err != nil {
		httpx.Error(c, err)
		return
	}
	u, err := h.svc.UpdateUser(c.Request.Context(), PrincipalFrom(c).Actor(), c.Param("id"), in)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	c.JSON(http.StatusOK, u)
}
