// Package httpx is the HTTP plumbing every domain's handlers share: the one error writer,
// strict JSON binding with per-field details, request ids, JSON access logs, body limits,
// Idempotency-Key replay, pagination and metrics.
package httpx

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
)

// ErrorBody is the shape of every error response.
type ErrorBody struct {
	Code      apperr.Code       `json:"code"`
	Message   string            `json:"message"`
	Details   map[string]string `json:"details,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

// Error writes err as the error response and aborts the chain. Anything that is not an
// *apperr.Error is logged with the request id and answered as "internal error", so no
// driver or library text ever reaches a client.
func Error(c *gin.Context, err error) {
	status := apperr.Status(err)
	pub := apperr.Public(err)
	if status >= http.StatusInternalServerError {
		Logger(c).ErrorContext(c.Request.Context(), "request failed", "err", err)
	}
	c.AbortWithStatusJSON(status, ErrorBody{Code: pub.Code, Message: pub.Message, Details: pub.Details, RequestID: RequestID(c)})
}

// Logger returns the request's logger (with its request id), or the default one.
func Logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

// NoRoute answers unknown paths and methods in the error shape.
func NoRoute(c *gin.Context) { Error(c, apperr.New(apperr.CodeNotFound, "no such endpoint")) }

// NoMethod answers a known path with an unsupported method in the error shape.
func NoMethod(c *gin.Context) {
	Error(c, apperr.New(apperr.CodeMethodNotAllowed, "method not allowed on this endpoint"))
}
