package httpx_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/httpx"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// newEngine is a gin engine with the middleware every server runs, logging into logs.
func newEngine(logs io.Writer) *gin.Engine {
	if logs == nil {
		logs = io.Discard
	}
	e := gin.New()
	e.Use(httpx.RequestIDMiddleware(slog.New(slog.NewJSONHandler(logs, nil))), httpx.Recover())
	e.NoRoute(httpx.NoRoute)
	return e
}

// call sends one request through h and returns the recorded response.
func call(h http.Handler, method, path, body string, header ...string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = bytes.NewBufferString(body)
	}
	req := httptest.NewRequest(method, path, r)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// errorBody decodes an error response.
func errorBody(t *testing.T, w *httptest.ResponseRecorder) httpx.ErrorBody {
	t.Helper()
	var b httpx.ErrorBody
	require.NoErrorf(t, json.Unmarshal(w.Body.Bytes(), &b), "body: %s", w.Body.String())
	return b
}
