package mobileapi

import (
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Handler serves /mobile/v1.
type Handler struct{ svc *Service }

// NewHandler returns the handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var tech = []string{auth.RoleTechnician}

func op(method, path, summary string, req, resp any, status int) openapi.Operation {
	return openapi.Operation{Method: method, Path: path, Summary: summary, Tag: "mobile", Roles: tech,
		Audience: auth.AudMobile, Request: req, Response: resp, Status: status}
}

// uploadLimit is the body limit of the image routes: the image limit plus room for a
// multipart envelope. The image itself is checked against MaxPhotoBytes when read.
func (h *Handler) uploadLimit() int64 { return h.svc.cfg.MaxPhotoBytes + 64<<10 }

// Routes registers the endpoints on r, the /mobile/v1 router.
func (h *Handler) Routes(r *httpx.Router) {
	h.sessionRoutes(r)
	get, post := http.MethodGet, http.MethodPost
	lists := openapi.Operation{Method: get, Path: "/jobs", Summary: "My jobs: today, upcoming or history", Tag: "mobile",
		Roles: tech, Audience: auth.AudMobile, Response: JobList{},
		Query: append([]openapi.Param{{Name: "list", Enum: []string{ListToday, ListUpcoming, ListHistory}}}, httpx.PageParams...)}
	r.Handle(lists, h.jobs)
	r.Handle(op(get, "/jobs/:id", "One of my jobs, with the customer's address", nil, JobView{}, 0), h.job)
	r.Handle(op(post, "/jobs/:id/accept", "Accept a job offered to me", nil, JobView{}, 0), h.accept)
	r.Handle(op(post, "/jobs/:id/decline", "Decline a job offered to me", DeclineRequest{}, nil, http.StatusNoContent), h.decline)
	r.Handle(op(post, "/jobs/:id/appointment", "Set or move the appointment", AppointmentRequest{}, JobView{}, 0), h.appointment)
	for _, typ := range EventTypes() {
		r.Handle(op(post, "/jobs/:id/"+typ, "Report "+typ+" with the device's position", EventInput{}, VisitEvent{}, http.StatusCreated), h.event(typ))
	}
	photo := op(post, "/jobs/:id/photos", "Upload a photo (JPEG, PNG or WebP) to a slot", nil, Photo{}, http.StatusCreated)
	photo.Query = []openapi.Param{{Name: "slot", Enum: PhotoSlots()}}
	photo.Description = "Raw image body or multipart/form-data with a file part. Over the size limit is 413, not an image 415."
	photo.MaxBody = h.uploadLimit()
	r.Handle(photo, h.upload)
	r.Handle(op(get, "/jobs/:id/photos", "The photos of a job", nil, []Photo{}, 0), h.photos)
	sig := op(http.MethodPut, "/jobs/:id/signature", "Upload the customer's signature (PNG)", nil, Photo{}, http.StatusCreated)
	sig.MaxBody = h.uploadLimit()
	r.Handle(sig, h.signature)
	r.Handle(op(post, "/jobs/:id/complete", "Complete a job", CompleteRequest{}, JobView{}, 0), h.complete)
	r.Handle(op(post, "/sync", "Apply actions queued offline, in order", SyncRequest{}, SyncResponse{}, 0), h.sync)
	r.Handle(op(get, "/attendance/:day", "My attendance on a day (YYYY-MM-DD, Shanghai time)", nil, Attendance{}, 0), h.attendance)
}

func (h *Handler) sessionRoutes(r *httpx.Router) {
	post := http.MethodPost
	r.Handle(openapi.Operation{Method: post, Path: "/auth/login", Summary: "Technician sign-in from a device", Tag: "mobile",
		Audience: auth.AudMobile, Request: LoginRequest{}, Response: LoginResponse{}}, h.login)
	r.Handle(openapi.Operation{Method: post, Path: "/auth/refresh", Summary: "Exchange a mobile refresh token", Tag: "mobile",
		Audience: auth.AudMobile, Request: auth.RefreshRequest{}, Response: auth.Session{}}, h.refresh)
	r.Handle(openapi.Operation{Method: post, Path: "/auth/logout", Summary: "End a mobile session", Tag: "mobile",
		Audience: auth.AudMobile, Request: auth.RefreshRequest{}, Status: http.StatusNoContent}, h.logout)
}

// respond writes v with status, or the error.
func respond(c *gin.Context, status int, v any, err error) {
	switch {
	case err != nil:
		httpx.Error(c, err)
	case v == nil:
		c.Status(status)
	default:
		c.JSON(status, v)
	}
}

func (h *Handler) login(c *gin.Context) {
	var req LoginRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	v, err := h.svc.Login(c.Request.Context(), req, c.ClientIP())
	respond(c, http.StatusOK, v, err)
}

func (h *Handler) refresh(c *gin.Context) {
	var req auth.RefreshRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	v, err := h.svc.Refresh(c.Request.Context(), req.RefreshToken)
	respond(c, http.StatusOK, v, err)
}

func (h *Handler) logout(c *gin.Context) {
	var req auth.RefreshRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	respond(c, http.StatusNoContent, nil, h.svc.Logout(c.Request.Context(), req.RefreshToken))
}

func (h *Handler) jobs(c *gin.Context) {
	page, err := httpx.ParsePage(c)
	if err != nil {
		httpx.Error(c, err)
		return
	}
	list := c.DefaultQuery("list", ListToday)
	if list != ListToday && list != ListUpcoming && list != ListHistory {
		httpx.Error(c, apperr.Fields{"list": "must be today, upcoming or history"}.Err())
		return
	}
	v, err := h.svc.Jobs(c.Request.Context(), auth.PrincipalFrom(c), list, page)
	respond(c, http.StatusOK, v, err)
}

func (h *Handler) job(c *gin.Context) {
	v, err := h.svc.Job(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
	respond(c, http.StatusOK, v, err)
}

func (h *Handler) accept(c *gin.Context) {
	v, err := h.svc.Accept(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
	respond(c, http.StatusOK, v, err)
}

// mine answers 404 unless job :id is the caller's; handlers with a body call it before
// binding, so another's job is 404 whatever is sent.
func (h *Handler) mine(c *gin.Context) bool {
	if _, err := h.svc.job(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id")); err != nil {
		httpx.Error(c, err)
		return false
	}
	return true
}

func (h *Handler) decline(c *gin.Context) {
	if !h.mine(c) {
		return
	}
	var req DeclineRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	respond(c, http.StatusNoContent, nil, h.svc.Decline(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), req))
}

func (h *Handler) appointment(c *gin.Context) {
	if !h.mine(c) {
		return
	}
	var req AppointmentRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	v, err := h.svc.Appointment(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), req)
	respond(c, http.StatusOK, v, err)
}

func (h *Handler) event(typ string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := auth.PrincipalFrom(c)
		o, err := h.svc.job(c.Request.Context(), p, c.Param("id"))
		if err != nil {
			httpx.Error(c, err)
			return
		}
		var req EventInput
		if err := httpx.Bind(c, &req); err != nil {
			httpx.Error(c, err)
			return
		}
		v, err := h.svc.recordFor(c.Request.Context(), p, typ, o, req, nil)
		respond(c, http.StatusCreated, v, err)
	}
}

func (h *Handler) upload(c *gin.Context) {
	body, err := imageBody(c)
	if err != nil {
		h.uploadError(c, err)
		return
	}
	v, err := h.svc.Upload(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), c.Query("slot"), body)
	respond(c, http.StatusCreated, v, err)
}

func (h *Handler) signature(c *gin.Context) {
	body, err := imageBody(c)
	if err != nil {
		h.uploadError(c, err)
		return
	}
	v, err := h.svc.Upload(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), SlotSignature, body)
	respond(c, http.StatusCreated, v, err)
}

// uploadError answers a malformed upload, but another's job stays a 404.
func (h *Handler) uploadError(c *gin.Context, err error) {
	if _, jerr := h.svc.job(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id")); jerr != nil {
		err = jerr
	}
	httpx.Error(c, err)
}

// imageBody is the raw body, or the first file part of a multipart form.
func imageBody(c *gin.Context) (io.Reader, error) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		return c.Request.Body, nil
	}
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, apperr.Fields{"body": "is not a multipart form"}.Err()
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			return nil, apperr.Fields{"file": "is required"}.Err()
		}
		if part.FileName() != "" {
			return part, nil
		}
	}
}

func (h *Handler) photos(c *gin.Context) {
	v, err := h.svc.Photos(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"))
	respond(c, http.StatusOK, v, err)
}

func (h *Handler) complete(c *gin.Context) {
	if !h.mine(c) {
		return
	}
	var req CompleteRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	v, err := h.svc.Complete(c.Request.Context(), auth.PrincipalFrom(c), c.Param("id"), req)
	respond(c, http.StatusOK, v, err)
}

func (h *Handler) sync(c *gin.Context) {
	var req SyncRequest
	if err := httpx.Bind(c, &req); err != nil {
		httpx.Error(c, err)
		return
	}
	v, err := h.svc.Sync(c.Request.Context(), auth.PrincipalFrom(c), req)
	respond(c, http.StatusOK, v, err)
}

func (h *Handler) attendance(c *gin.Context) {
	v, err := h.svc.AttendanceDay(c.Request.Context(), auth.PrincipalFrom(c), c.Param("day"))
	respond(c, http.StatusOK, v, err)
}
