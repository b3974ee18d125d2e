package httpx

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
)

// Idempotency makes a POST route honour the Idempotency-Key header through store.
// Requests without the header pass straight through. The key is scoped to the caller
// (the user_id set by authentication; empty for anonymous callers), the method and the
// route; the fingerprint covers the request path, query and body, so reusing a key on
// another object or with another body is refused rather than answered with a stranger's
// result. Put it after authentication and BodyLimit.
func Idempotency(store *IdempotencyStore) gin.HandlerFunc {
	return func(c *gin.Context) {
		key, ok := c.Request.Header[IdempotencyKeyHeader]
		if !ok {
			c.Next()
			return
		}
		fp, err := checkKeyAndFingerprint(c, key)
		if err != nil {
			Error(c, err)
			return
		}
		scope := c.GetString("user_id") + "\x00" + c.Request.Method + "\x00" + c.FullPath()
		orig := c.Writer
		defer func() { c.Writer = orig }() // also when the handler panics
		res, replayed, err := store.Do(c.Request.Context(), scope, key[0], fp, func() (Result, error) {
			return capture(c), nil
		})
		c.Writer = orig
		switch {
		case err != nil:
			Error(c, err)
		case replayed:
			writeReplay(c, res)
		default:
			writeResult(c, res)
		}
	}
}

func checkKeyAndFingerprint(c *gin.Context, key []string) ([]byte, error) {
	if len(key) != 1 {
		return nil, &apperr.Error{Code: apperr.CodeValidation, Message: "request has invalid fields",
			Details: map[string]string{IdempotencyKeyHeader: "must be sent once"}}
	}
	if err := CheckIdempotencyKey(key[0]); err != nil {
		return nil, err
	}
	return fingerprint(c)
}

// fingerprint hashes what identifies the request's content and puts the body back for
// the handler.
func fingerprint(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apperr.New(apperr.CodeTooLarge, "request body is larger than %d bytes", tooBig.Limit)
		}
		return nil, apperr.New(apperr.CodeInvalidJSON, "could not read request body")
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	h := sha256.New()
	h.Write([]byte(c.Request.URL.RequestURI()))
	h.Write([]byte{0})
	h.Write(body)
	return h.Sum(nil), nil
}

// capture runs the rest of the chain with the response buffered, and returns it.
func capture(c *gin.Context) Result {
	w := &captureWriter{ResponseWriter: c.Writer, status: http.StatusOK}
	c.Writer = w
	c.Next()
	h := w.Header()
	return Result{Status: w.status, ContentType: h.Get("Content-Type"), Location: h.Get("Location"), Body: w.body.Bytes()}
}

func writeResult(c *gin.Context, res Result) {
	c.Writer.WriteHeader(res.Status)
	if len(res.Body) > 0 {
		_, _ = c.Writer.Write(res.Body)
	} else {
		c.Writer.WriteHeaderNow()
	}
}

func writeReplay(c *gin.Context, res Result) {
	h := c.Writer.Header()
	if res.ContentType != "" {
		h.Set("Content-Type", res.ContentType)
	}
	if res.Location != "" {
		h.Set("Location", res.Location)
	}
	h.Set(ReplayedHeader, "true")
	c.Abort()
	writeResult(c, res)
}

// captureWriter buffers a response so it can be stored before it is sent. Headers go
// to the real writer's map; the status and body wait.
type captureWriter struct {
	gin.ResponseWriter
	status  int
	written bool
	body    bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int) {
	if code > 0 && !w.written {
		w.status = code
	}
}

func (w *captureWriter) WriteHeaderNow() { w.written = true }

func (w *captureWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.body.Write(b)
}

func (w *captureWriter) WriteString(s string) (int, error) {
	w.written = true
	return w.body.WriteString(s)
}

func (w *captureWriter) Status() int   { return w.status }
func (w *captureWriter) Written() bool { return w.written }

func (w *captureWriter) Size() int {
	if !w.written {
		return -1
	}
	return w.body.Len()
}

// Flush is a no-op: nothing may reach the client before the outcome is stored.
func (w *captureWriter) Flush() {}
