package openapi_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/openapi"
)

type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

type Audit struct {
	CreatedAt time.Time `json:"created_at"`
}

type Line struct {
	SKU   string `json:"sku" doc:"stock keeping unit"`
	Qty   int    `json:"qty"`
	Price Money  `json:"price" doc:"unit price"`
}

type Order struct {
	Audit                       // embedded: fields are promoted
	ID       string             `json:"id"`
	Lines    []Line             `json:"lines"`
	Total    *Money             `json:"total"`
	Tags     map[string]string  `json:"tags,omitempty"`
	Note     string             `json:"note,omitzero"`
	Raw      json.RawMessage    `json:"raw,omitempty"`
	Photo    []byte             `json:"photo,omitempty"`
	Secret   string             `json:"-"`
	Parent   *Order             `json:"parent,omitempty"` // recursion must terminate
	Extra    struct{ A string } `json:"extra"`
	Other    struct{ B int }    `json:"other"`
	internal string
}

// document renders spec the way /openapi.json serves it and reads it back.
func document(t *testing.T, spec *openapi.Spec) map[string]any {
	t.Helper()
	b, err := json.Marshal(spec.Document())
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	return doc
}

func dig(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, p := range path {
		m, ok := v.(map[string]any)
		require.Truef(t, ok, "at %q: not an object: %v", p, v)
		v, ok = m[p]
		require.Truef(t, ok, "missing %q in %v", p, m)
	}
	return v
}

func TestDocumentReflectsNestedStructsAsComponents(t *testing.T) {
	spec := openapi.New("test", "1")
	spec.Add(openapi.Operation{Method: "POST", Path: "/orders", Summary: "create", Request: Order{}, Response: &Order{}, Status: 201})
	doc := document(t, spec)

	op := dig(t, doc, "paths", "/orders", "post")
	assert.Equal(t, "#/components/schemas/Openapi_testOrder",
		dig(t, op, "requestBody", "content", "application/json", "schema", "$ref"))
	assert.Equal(t, "#/components/schemas/Openapi_testOrder",
		dig(t, op, "responses", "201", "content", "application/json", "schema", "$ref"), "a pointer type documents its element")

	schemas := dig(t, doc, "components", "schemas").(map[string]any)
	order := schemas["Openapi_testOrder"].(map[string]any)
	props := order["properties"].(map[string]any)
	assert.ElementsMatch(t, []any{"created_at", "id", "lines", "extra", "other"}, order["required"],
		"omitempty, omitzero and pointer fields are optional")
	assert.NotContains(t, props, "Secret")
	assert.NotContains(t, props, "internal")
	assert.Equal(t, false, order["additionalProperties"])

	cases := []struct {
		field string
		want  map[string]any
	}{
		{"created_at", map[string]any{"type": "string", "format": "date-time"}},
		{"lines", map[string]any{"type": "array", "items": map[string]any{"$ref": "#/components/schemas/Openapi_testLine"}}},
		{"total", map[string]any{"$ref": "#/components/schemas/Openapi_testMoney"}},
		{"tags", map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}},
		{"raw", map[string]any{}},
		{"photo", map[string]any{"type": "string", "format": "byte"}},
		{"parent", map[string]any{"$ref": "#/components/schemas/Openapi_testOrder"}},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, props[tc.field], tc.field)
	}

	line := dig(t, schemas, "Openapi_testLine", "properties").(map[string]any)
	assert.Equal(t, map[string]any{"type": "string", "description": "stock keeping unit"}, line["sku"])
	assert.Equal(t, map[string]any{"type": "integer"}, line["qty"])
	assert.Equal(t, map[string]any{"description": "unit price",
		"allOf": []any{map[string]any{"$ref": "#/components/schemas/Openapi_testMoney"}}}, line["price"])
	assert.Equal(t, []any{"minor", "currency"}, dig(t, schemas, "Openapi_testMoney", "required"))
}

func TestDocumentKeepsDistinctAnonymousStructsApart(t *testing.T) {
	spec := openapi.New("test", "1")
	spec.Add(openapi.Operation{Method: "POST", Path: "/orders", Request: Order{}})
	props := dig(t, document(t, spec), "components", "schemas", "Openapi_testOrder", "properties")

	extra := dig(t, props, "extra", "properties").(map[string]any)
	other := dig(t, props, "other", "properties").(map[string]any)
	assert.Contains(t, extra, "A")
	assert.Contains(t, other, "B")
	assert.NotContains(t, other, "A", "two anonymous structs of one size must not share a schema")
}

type Item struct {
	ID string `json:"id"`
}

type List[T any] struct {
	Items []T `json:"items"`
}

func TestDocumentNamesGenericTypesWithoutPackagePaths(t *testing.T) {
	spec := openapi.New("test", "1")
	spec.Add(openapi.Operation{Method: "GET", Path: "/items", Response: List[Item]{}})
	doc := document(t, spec)

	ref := dig(t, doc, "paths", "/items", "get", "responses", "200", "content", "application/json", "schema", "$ref")
	assert.Equal(t, "#/components/schemas/Openapi_testList_openapi_test_Item", ref)
	assert.Contains(t, dig(t, doc, "components", "schemas"), "Openapi_testList_openapi_test_Item")
}

func TestOpenAPIPathConvertsGinParams(t *testing.T) {
	cases := []struct{ gin, want string }{
		{"/a/:id", "/a/{id}"},
		{"/rmas/:id/lines/:line_no", "/rmas/{id}/lines/{line_no}"},
		{"/files/*path", "/files/{path}"},
		{"/plain", "/plain"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, openapi.OpenAPIPath(tc.gin), tc.gin)
	}
}

func TestDocumentListsPathHeaderAndQueryParameters(t *testing.T) {
	spec := openapi.New("test", "1")
	spec.Add(openapi.Operation{Method: "POST", Path: "/rmas/:id/lines/:line", Idempotent: true,
		Query: []openapi.Param{{Name: "state", Enum: []string{"open", "closed"}}}})
	doc := document(t, spec)

	params := dig(t, doc, "paths", "/rmas/{id}/lines/{line}", "post", "parameters").([]any)
	require.Len(t, params, 4)
	names := map[string]string{}
	for _, p := range params {
		names[p.(map[string]any)["name"].(string)] = p.(map[string]any)["in"].(string)
	}
	assert.Equal(t, map[string]string{"id": "path", "line": "path", "Idempotency-Key": "header", "state": "query"}, names)
	assert.Equal(t, []any{"open", "closed"}, dig(t, params[3], "schema", "enum"))
}

func TestDocumentMarksRoleProtectedOperations(t *testing.T) {
	spec := openapi.New("test", "1")
	spec.Add(openapi.Operation{Method: "GET", Path: "/public"})
	spec.Add(openapi.Operation{Method: "GET", Path: "/private", Roles: []string{"agent", "admin"}, Audience: "staff"})
	doc := document(t, spec)

	assert.NotContains(t, dig(t, doc, "paths", "/public", "get"), "security")
	private := dig(t, doc, "paths", "/private", "get")
	assert.Equal(t, []any{map[string]any{"bearer": []any{}}}, dig(t, private, "security"))
	assert.Contains(t, dig(t, private, "description"), "Roles: agent, admin. Audience: staff.")
	assert.Contains(t, dig(t, private, "responses"), "default", "every operation documents the error shape")
}

func TestSpecHasReportsAddedOperationsOnly(t *testing.T) {
	spec := openapi.New("test", "1")
	spec.Add(openapi.Operation{Method: "GET", Path: "/a/:id"})
	assert.True(t, spec.Has("GET", "/a/:id"))
	assert.False(t, spec.Has("POST", "/a/:id"))
	assert.False(t, spec.Has("GET", "/a/{id}"), "Has takes gin paths")
}

func TestDocumentGivesEveryOperationAUniqueID(t *testing.T) {
	spec := openapi.New("test", "1")
	for _, op := range []openapi.Operation{
		{Method: "GET", Path: "/rmas"}, {Method: "POST", Path: "/rmas"},
		{Method: "GET", Path: "/rmas/:id"}, {Method: "POST", Path: "/rmas/:id/approve"},
	} {
		spec.Add(op)
	}
	seen := map[string]bool{}
	for _, item := range dig(t, document(t, spec), "paths").(map[string]any) {
		for _, op := range item.(map[string]any) {
			id := op.(map[string]any)["operationId"].(string)
			assert.False(t, seen[id], "duplicate operationId %s", id)
			seen[id] = true
		}
	}
	assert.Len(t, seen, 4)
}
