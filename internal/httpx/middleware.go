package httpx

import (
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/ids"
)

const (
	requestIDKey    = "request_id"
	loggerKey       = "logger"
	RequestIDHeader = "X-Request-ID"
)

var clientID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// RequestIDMiddleware takes a well-formed X-Request-ID from the client or makes one, echoes it,
// and puts a logger carrying it on the context.
func RequestIDMiddleware(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !clientID.MatchString(id) {
			id = ids.New("REQ")
		}
		c.Set(requestIDKey, id)
		c.Set(loggerKey, log.With("request_id", id))
		c.Header(RequestIDHeader, id)
		c.Next()
	}
}

// RequestID is the request's id.
func RequestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// AccessLog writes one JSON log line per request.
func AccessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		Logger(c).LogAttrs(c.Request.Context(), levelFor(c.Writer.Status()), "http",
			slog.String("method", c.Request.Method), slog.String("route", route),
			slog.Int("status", c.Writer.Status()), slog.Duration("latency", time.Since(start)),
			slog.String("ip", c.ClientIP()), slog.String("user", c.GetString("user_id")))
	}
}

func levelFor(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

// Recover turns a panic into a logged internal error instead of a dropped connection.
func Recover() gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, rec any) {
		Logger(c).ErrorContext(c.Request.Context(), "panic", "panic", rec)
		Error(c, apperr.New(apperr.CodeInternal, "internal error"))
	})
}

// BodyLimits caps request bodies: Default for every route, more for the routes that
// declare it (uploads). A declared length over the limit is refused before reading;
// a body that turns out longer fails when read (Bind answers 413).
type BodyLimits struct {
	Default int64
	mu      sync.RWMutex
	routes  map[string]int64 // "METHOD path" → limit
}

// NewBodyLimits returns limits with default n.
func NewBodyLimits(n int64) *BodyLimits { return &BodyLimits{Default: n, routes: map[string]int64{}} }

// Allow raises the limit of one route.
func (b *BodyLimits) Allow(method, path string, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.routes[method+" "+path] = n
}

func (b *BodyLimits) limit(method, path string) int64 {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if n, ok := b.routes[method+" "+path]; ok {
		return n
	}
	return b.Default
}

// Middleware applies the matched route's limit; gin has routed before it runs.
func (b *BodyLimits) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		n := b.limit(c.Request.Method, c.FullPath())
		if c.Request.ContentLength > n {
			Error(c, apperr.New(apperr.CodeTooLarge, "request body is larger than %d bytes", n))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

// BodyLimit caps every request body at n bytes.
func BodyLimit(n int64) gin.HandlerFunc { return NewBodyLimits(n).Middleware() }
