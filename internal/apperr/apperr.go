// Package apperr is the one error type every layer returns to a client: a stable
// machine code, a human message and per-field details. Codes map to HTTP statuses
// in exactly one place (Status), so handlers never pick a status themselves.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
)

// Code is a stable, machine-readable error code. Clients switch on it; never rename one.
type Code string

const (
	CodeInvalidJSON      Code = "invalid_json"
	CodeValidation       Code = "validation_failed"
	CodeUnauthorized     Code = "unauthorized"
	CodeForbidden        Code = "forbidden"
	CodeNotFound         Code = "not_found"
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeConflict         Code = "conflict"
	CodeVersionConflict  Code = "version_conflict"
	CodeTooLarge         Code = "payload_too_large"
	CodeUnsupportedMedia Code = "unsupported_media_type"
	CodeRateLimited      Code = "rate_limited"
	CodeIdempotencyReuse Code = "idempotency_key_reused"
	CodeInProgress       Code = "request_in_progress"
	CodeUnavailable      Code = "unavailable"
	CodeInternal         Code = "internal"
)

var statusByCode = map[Code]int{
	CodeInvalidJSON:      http.StatusBadRequest,
	CodeValidation:       http.StatusBadRequest,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeForbidden:        http.StatusForbidden,
	CodeNotFound:         http.StatusNotFound,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeConflict:         http.StatusConflict,
	CodeVersionConflict:  http.StatusConflict,
	CodeTooLarge:         http.StatusRequestEntityTooLarge,
	CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	CodeRateLimited:      http.StatusTooManyRequests,
	CodeIdempotencyReuse: http.StatusUnprocessableEntity,
	CodeInProgress:       http.StatusConflict,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeInternal:         http.StatusInternalServerError,
}

// Error is a client-facing error. Details maps a JSON field path to what is wrong with it.
type Error struct {
	Code    Code              `json:"code"`
	Message string            `json:"message"`
	Details map[string]string `json:"details,omitempty"`
}

func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Details))
	for k := range e.Details {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := fmt.Sprintf("%s: %s (", e.Code, e.Message)
	for i, k := range keys {
		if i > 0 {
			s += "; "
		}
		s += k + ": " + e.Details[k]
	}
	return s + ")"
}

// Is lets errors.Is match on the code alone, so sentinels like ErrNotFound match any
// not-found error whatever its message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == ""
}

// New builds an error with a code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinels for errors.Is checks: they carry only a code.
var (
	ErrNotFound        = &Error{Code: CodeNotFound}
	ErrConflict        = &Error{Code: CodeConflict}
	ErrVersionConflict = &Error{Code: CodeVersionConflict}
	ErrForbidden       = &Error{Code: CodeForbidden}
	ErrUnauthorized    = &Error{Code: CodeUnauthorized}
	ErrValidation      = &Error{Code: CodeValidation}
)

// NotFound is the answer for a missing object and equally for one the caller may not
// see: telling the two apart would leak that the object exists.
func NotFound(what string) *Error { return New(CodeNotFound, "%s not found", what) }

// Conflict reports a state that does not allow the requested change.
func Conflict(format string, args ...any) *Error { return New(CodeConflict, format, args...) }

// VersionConflict reports a lost race on an aggregate's version.
func VersionConflict(what string) *Error {
	return New(CodeVersionConflict, "%s was changed by someone else; reload and retry", what)
}

// Forbidden reports a role that may not perform an action on an object it may see.
func Forbidden(format string, args ...any) *Error { return New(CodeForbidden, format, args...) }

// Unauthorized never says why: callers learn nothing about which credential was wrong.
func Unauthorized() *Error { return New(CodeUnauthorized, "authentication required") }

// Status maps an error to its HTTP status; anything that is not an *Error is internal.
func Status(err error) int {
	var e *Error
	if errors.As(err, &e) {
		if s, ok := statusByCode[e.Code]; ok {
			return s
		}
	}
	return http.StatusInternalServerError
}

// Public returns what a client may see of err: the *Error itself, or a bare internal
// error that hides the original text.
func Public(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if _, ok := statusByCode[e.Code]; ok {
			return e
		}
	}
	return &Error{Code: CodeInternal, Message: "internal error"}
}
