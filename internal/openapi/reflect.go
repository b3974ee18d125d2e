package openapi

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type reflector struct{ schemas map[string]any }

func newReflector() *reflector { return &reflector{schemas: map[string]any{}} }

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

func (r *reflector) operation(op Operation) map[string]any {
	status := op.Status
	if status == 0 {
		status = 200
	}
	o := map[string]any{"summary": op.Summary, "operationId": operationID(op)}
	if op.Tag != "" {
		o["tags"] = []string{op.Tag}
	}
	desc := op.Description
	if len(op.Roles) > 0 {
		o["security"] = []any{map[string]any{"bearer": []string{}}}
		desc = strings.TrimSpace(desc + "\n\nRoles: " + strings.Join(op.Roles, ", ") + ". Audience: " + op.Audience + ".")
	}
	if desc != "" {
		o["description"] = desc
	}
	params := r.params(op)
	if len(params) > 0 {
		o["parameters"] = params
	}
	if op.Request != nil {
		o["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": r.schema(reflect.TypeOf(op.Request))}}}
	}
	ok := map[string]any{"description": "success"}
	if op.Response != nil {
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": r.schema(reflect.TypeOf(op.Response))}}
	}
	o["responses"] = map[string]any{
		strconv.Itoa(status): ok,
		"default": map[string]any{"description": "error", "content": map[string]any{
			"application/json": map[string]any{"schema": errorSchema}}},
	}
	return o
}

var errorSchema = map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
	"code":       map[string]any{"type": "string"},
	"message":    map[string]any{"type": "string"},
	"details":    map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
	"request_id": map[string]any{"type": "string"},
}}

func operationID(op Operation) string {
	p := strings.NewReplacer("/", "_", ":", "by_", "*", "", "-", "_").Replace(strings.TrimPrefix(op.Path, "/"))
	return strings.ToLower(op.Method) + "_" + p
}

func (r *reflector) params(op Operation) []any {
	var out []any
	for _, m := range ginParam.FindAllStringSubmatch(op.Path, -1) {
		out = append(out, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	if op.Idempotent {
		out = append(out, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
			"description": "replays return the first response and write nothing", "schema": map[string]any{"type": "string", "maxLength": 128}})
	}
	for _, q := range op.Query {
		s := map[string]any{"type": orDefault(q.Type, "string")}
		if len(q.Enum) > 0 {
			s["enum"] = q.Enum
		}
		out = append(out, map[string]any{"name": q.Name, "in": "query", "description": q.Description, "schema": s})
	}
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// schema returns an inline schema or a $ref to a named component.
func (r *reflector) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": r.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": r.schema(t.Elem())}
	case reflect.Struct:
		if t.Name() == "" {
			return r.inline(t) // no name to file it under, and it cannot recurse
		}
		return r.object(t)
	default:
		return map[string]any{}
	}
}

func (r *reflector) object(t reflect.Type) map[string]any {
	name := componentName(t)
	ref := map[string]any{"$ref": "#/components/schemas/" + name}
	if _, done := r.schemas[name]; done {
		return ref
	}
	r.schemas[name] = map[string]any{} // placeholder breaks recursion
	r.schemas[name] = r.inline(t)
	return ref
}

// inline is the object schema of struct type t itself.
func (r *reflector) inline(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	r.fields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func (r *reflector) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				r.fields(ft, props, required)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		s := r.schema(f.Type)
		if doc := f.Tag.Get("doc"); doc != "" {
			s = withDoc(s, doc)
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

func withDoc(s map[string]any, doc string) map[string]any {
	if _, isRef := s["$ref"]; isRef {
		return map[string]any{"allOf": []any{s}, "description": doc}
	}
	c := map[string]any{"description": doc}
	for k, v := range s {
		c[k] = v
	}
	return c
}

var typeArgPath = regexp.MustCompile(`[A-Za-z0-9_.\-]+/`)

func componentName(t reflect.Type) string {
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	// A generic instance is named List[github.com/x/y/rma.Return]; keep the last
	// package element of each type argument, as for the type itself.
	name := typeArgPath.ReplaceAllString(t.Name(), "")
	name = strings.NewReplacer("[", "_", "]", "", ",", "_", " ", "", "/", "_", ".", "_", "*", "").Replace(name)
	if pkg == "" {
		return name
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + name
}
