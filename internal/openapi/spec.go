// Package openapi builds the OpenAPI 3 document served at /openapi.json from the same
// route declarations that register the handlers, with request and response schemas
// reflected from the Go types the handlers bind and return.
package openapi

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Operation documents one route.
type Operation struct {
	Method      string
	Path        string // gin syntax: /api/v1/rmas/:id
	Summary     string
	Tag         string
	Roles       []string // empty: public
	Audience    string   // "staff" or "mobile" for authenticated routes
	Request     any      // body type, or nil
	Response    any      // success body type, or nil
	Status      int      // success status, default 200
	Query       []Param
	Idempotent  bool  // accepts Idempotency-Key
	MaxBody     int64 // request body limit in bytes when larger than the server's default (uploads)
	Description string
}

// Param is a query parameter.
type Param struct {
	Name, Description, Type string
	Enum                    []string
}

// Spec accumulates operations.
type Spec struct {
	mu    sync.Mutex
	title string
	ver   string
	ops   []Operation
}

// New returns an empty spec.
func New(title, version string) *Spec { return &Spec{title: title, ver: version} }

// Add records an operation.
func (s *Spec) Add(op Operation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ops = append(s.ops, op)
}

// Has reports whether method and gin path are documented.
func (s *Spec) Has(method, path string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, op := range s.ops {
		if op.Method == method && op.Path == path {
			return true
		}
	}
	return false
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// OpenAPIPath turns /rmas/:id into /rmas/{id}.
func OpenAPIPath(p string) string { return ginParam.ReplaceAllString(p, "{$1}") }

// Document renders the OpenAPI 3.0 document.
func (s *Spec) Document() map[string]any {
	s.mu.Lock()
	ops := append([]Operation(nil), s.ops...)
	s.mu.Unlock()
	sort.Slice(ops, func(i, j int) bool {
		if ops[i].Path != ops[j].Path {
			return ops[i].Path < ops[j].Path
		}
		return ops[i].Method < ops[j].Method
	})
	r := newReflector()
	paths := map[string]any{}
	for _, op := range ops {
		p := OpenAPIPath(op.Path)
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		item[strings.ToLower(op.Method)] = r.operation(op)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": s.title, "version": s.ver},
		"paths":   paths,
		"components": map[string]any{
			"schemas": r.schemas,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
		},
	}
}
