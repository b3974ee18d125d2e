package httpx_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
)

const driverText = "connection(10.0.0.7:27017) incomplete read: server selection error"

func TestErrorWriterMapsEachErrorToItsPublicShape(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		status  int
		code    apperr.Code
		message string
	}{
		{"plain error hides its text", errors.New(driverText), 500, apperr.CodeInternal, "internal error"},
		{"wrapped plain error", fmt.Errorf("load rma: %w", errors.New(driverText)), 500, apperr.CodeInternal, "internal error"},
		{"apperr keeps its message", apperr.NotFound("rma"), 404, apperr.CodeNotFound, "rma not found"},
		{"wrapped apperr is found", fmt.Errorf("approve: %w", apperr.VersionConflict("rma")), 409, apperr.CodeVersionConflict,
			"rma was changed by someone else; reload and retry"},
		{"unknown code is internal", &apperr.Error{Code: "made_up", Message: driverText}, 500, apperr.CodeInternal, "internal error"},
		{"unauthorized says nothing", apperr.Unauthorized(), 401, apperr.CodeUnauthorized, "authentication required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			e := newEngine(&logs)
			e.GET("/x", func(c *gin.Context) { httpx.Error(c, tc.err) })
			w := call(e, "GET", "/x", "")

			require.Equal(t, tc.status, w.Code)
			b := errorBody(t, w)
			assert.Equal(t, tc.code, b.Code)
			assert.Equal(t, tc.message, b.Message)
			assert.Equal(t, w.Header().Get(httpx.RequestIDHeader), b.RequestID)
			assert.NotEmpty(t, b.RequestID)
			assert.NotContains(t, w.Body.String(), "10.0.0.7")
			if tc.status >= 500 {
				assert.Contains(t, logs.String(), "10.0.0.7", "the real cause is logged")
				assert.Contains(t, logs.String(), b.RequestID, "with the request id the client saw")
			}
		})
	}
}

func TestErrorWriterStopsTheChain(t *testing.T) {
	e := newEngine(nil)
	ran := false
	e.GET("/x", func(c *gin.Context) { httpx.Error(c, apperr.Forbidden("no")) }, func(c *gin.Context) { ran = true })
	w := call(e, "GET", "/x", "")
	assert.Equal(t, http.StatusForbidden, w.Code)
	assert.False(t, ran)
}

func TestRecoverAnswersPanicsAsInternalError(t *testing.T) {
	var logs bytes.Buffer
	e := newEngine(&logs)
	e.GET("/boom", func(c *gin.Context) { panic("nil map in " + driverText) })
	w := call(e, "GET", "/boom", "")

	require.Equal(t, http.StatusInternalServerError, w.Code)
	b := errorBody(t, w)
	assert.Equal(t, apperr.CodeInternal, b.Code)
	assert.Equal(t, "internal error", b.Message)
	assert.NotContains(t, w.Body.String(), "nil map")
	assert.Contains(t, logs.String(), "nil map")
}

func TestNoRouteAnswersInTheErrorShape(t *testing.T) {
	w := call(newEngine(nil), "GET", "/nowhere", "")
	require.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, apperr.CodeNotFound, errorBody(t, w).Code)
}

var generatedID = regexp.MustCompile(`^REQ-[0-9A-HJKMNP-TV-Z]{26}$`)

func TestRequestIDEchoesWellFormedClientIDs(t *testing.T) {
	cases := []struct {
		name, sent string
		echoed     bool
	}{
		{"plain", "abc-123", true},
		{"with dots and colons", "lb:7f.3_x", true},
		{"64 chars", strings.Repeat("a", 64), true},
		{"absent", "", false},
		{"65 chars", strings.Repeat("a", 65), false},
		{"space", "abc 123", false},
		{"log injection", "abc\",\"admin\":true", false},
		{"non-ascii", "zäh", false},
	}
	e := newEngine(nil)
	e.GET("/fail", func(c *gin.Context) { httpx.Error(c, apperr.NotFound("x")) })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := call(e, "GET", "/fail", "", httpx.RequestIDHeader, tc.sent)
			got := w.Header().Get(httpx.RequestIDHeader)
			if tc.echoed {
				assert.Equal(t, tc.sent, got)
			} else {
				assert.Regexp(t, generatedID, got)
			}
			assert.Equal(t, got, errorBody(t, w).RequestID)
		})
	}
}

func TestRequestIDGeneratesADistinctIDPerRequest(t *testing.T) {
	e := newEngine(nil)
	e.GET("/ok", func(c *gin.Context) { c.String(200, httpx.RequestID(c)) })
	a, b := call(e, "GET", "/ok", ""), call(e, "GET", "/ok", "")
	assert.NotEqual(t, a.Body.String(), b.Body.String())
	assert.Equal(t, a.Header().Get(httpx.RequestIDHeader), a.Body.String(), "handlers see the id the client gets")
}
