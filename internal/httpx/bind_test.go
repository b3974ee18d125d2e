package httpx_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
)

type address struct {
	City string  `json:"city"`
	Lat  float64 `json:"lat"`
}

type createThing struct {
	Name string   `json:"name"`
	Qty  int      `json:"qty"`
	Ship *address `json:"ship,omitempty"`
}

func (r createThing) Validate() error {
	f := apperr.Fields{}
	f.Required("name", r.Name)
	f.Range("qty", float64(r.Qty), 1, 100)
	return f.Err()
}

const bodyLimit = 64

// bindEngine answers POST /things by binding a createThing and echoing it with 201.
func bindEngine() *gin.Engine {
	e := newEngine(nil)
	e.POST("/things", httpx.BodyLimit(bodyLimit), func(c *gin.Context) {
		var req createThing
		if err := httpx.Bind(c, &req); err != nil {
			httpx.Error(c, err)
			return
		}
		c.JSON(http.StatusCreated, req)
	})
	return e
}

func TestBindAnswersEachBadBodyWithItsOwnError(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        apperr.Code
		details     map[string]string
	}{
		{"valid", "application/json", `{"name":"a","qty":1}`, 201, "", nil},
		{"json with charset", "application/json; charset=utf-8", `{"name":"a","qty":1}`, 201, "", nil},
		{"json suffix type", "application/merge-patch+json", `{"name":"a","qty":1}`, 201, "", nil},
		{"no content type", "", `{"name":"a","qty":1}`, 201, "", nil},
		{"truncated", "application/json", `{"name":`, 400, apperr.CodeInvalidJSON, nil},
		{"syntax error", "application/json", `{"name" "a"}`, 400, apperr.CodeInvalidJSON, nil},
		{"unknown field", "application/json", `{"name":"a","qty":1,"colour":"red"}`, 400, apperr.CodeValidation,
			map[string]string{"colour": "unknown field"}},
		{"string for int", "application/json", `{"name":"a","qty":"three"}`, 400, apperr.CodeValidation,
			map[string]string{"qty": "must be an integer"}},
		{"fraction for int", "application/json", `{"name":"a","qty":1.5}`, 400, apperr.CodeValidation,
			map[string]string{"qty": "must be an integer"}},
		{"nested wrong type", "application/json", `{"name":"a","qty":1,"ship":{"lat":"north"}}`, 400, apperr.CodeValidation,
			map[string]string{"ship.lat": "must be a number"}},
		{"empty body", "application/json", ``, 400, apperr.CodeInvalidJSON, nil},
		{"blank body", "application/json", " \n\t", 400, apperr.CodeInvalidJSON, nil},
		{"null body", "application/json", `null`, 400, apperr.CodeInvalidJSON, nil},
		{"array for object", "application/json", `[1,2]`, 400, apperr.CodeInvalidJSON, nil},
		{"trailing garbage", "application/json", `{"name":"a","qty":1} x`, 400, apperr.CodeInvalidJSON, nil},
		{"trailing brace", "application/json", `{"name":"a","qty":1}}`, 400, apperr.CodeInvalidJSON, nil},
		{"two values", "application/json", `{"name":"a","qty":1}{"name":"b","qty":2}`, 400, apperr.CodeInvalidJSON, nil},
		{"validator rules", "application/json", `{"name":" ","qty":0}`, 400, apperr.CodeValidation,
			map[string]string{"name": "is required", "qty": "must be between 1 and 100"}},
		{"text content type", "text/plain", `{"name":"a","qty":1}`, 415, apperr.CodeUnsupportedMedia, nil},
		{"form content type", "application/x-www-form-urlencoded", `name=a`, 415, apperr.CodeUnsupportedMedia, nil},
		{"malformed content type", "application/", `{"name":"a","qty":1}`, 415, apperr.CodeUnsupportedMedia, nil},
		{"declared length over limit", "application/json", `{"name":"` + strings.Repeat("x", bodyLimit) + `","qty":1}`, 413, apperr.CodeTooLarge, nil},
	}
	e := bindEngine()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := call(e, "POST", "/things", tc.body, "Content-Type", tc.contentType)
			require.Equalf(t, tc.status, w.Code, "body: %s", w.Body.String())
			if tc.status == 201 {
				assert.JSONEq(t, `{"name":"a","qty":1}`, w.Body.String())
				return
			}
			b := errorBody(t, w)
			assert.Equal(t, tc.code, b.Code)
			assert.NotEmpty(t, b.Message)
			assert.Equal(t, tc.details, b.Details)
			assert.Equal(t, w.Header().Get(httpx.RequestIDHeader), b.RequestID)
		})
	}
}

func TestBindRefusesOverLimitBodyOfUnknownLength(t *testing.T) {
	e := bindEngine()
	body := `{"name":"` + strings.Repeat("x", 4*bodyLimit) + `","qty":1}`
	req := httptest.NewRequest("POST", "/things", io.NopCloser(strings.NewReader(body)))
	req.ContentLength = -1 // as for a chunked upload
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)

	require.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
	assert.Equal(t, apperr.CodeTooLarge, errorBody(t, w).Code)
}

func TestBindRefusesOverLimitChunkedUploadOverTheWire(t *testing.T) {
	var seenLength atomic.Int64
	e := bindEngine()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenLength.Store(r.ContentLength)
		e.ServeHTTP(w, r)
	}))
	defer srv.Close()
	pr, pw := io.Pipe()
	go func() {
		// Written in pieces, so the client cannot know the length and sends chunks.
		_, _ = io.WriteString(pw, `{"name":"`)
		for range 8 {
			_, _ = io.WriteString(pw, strings.Repeat("x", bodyLimit))
		}
		_, _ = io.WriteString(pw, `","qty":1}`)
		_ = pw.Close()
	}()
	req, err := http.NewRequest("POST", srv.URL+"/things", pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()

	assert.Equal(t, int64(-1), seenLength.Load(), "the server must not know the length up front")
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"code":"payload_too_large"`)
}

func TestBindAcceptsBodyExactlyAtLimit(t *testing.T) {
	body := `{"name":"` + strings.Repeat("x", bodyLimit-len(`{"name":"","qty":1}`)) + `","qty":1}`
	require.Len(t, body, bodyLimit)
	w := call(bindEngine(), "POST", "/things", body, "Content-Type", "application/json")
	assert.Equal(t, http.StatusCreated, w.Code, w.Body.String())
}
