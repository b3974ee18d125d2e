package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
)

// Validator is implemented by request bodies that check their own fields.
type Validator interface{ Validate() error }

// Bind decodes the JSON body into v strictly: the content type must be JSON, unknown
// fields and trailing data are refused, a wrong type is reported against its field, and
// an over-long body is a 413. When v implements Validator, its rules run too.
func Bind(c *gin.Context, v any) error {
	if err := requireJSON(c.Request); err != nil {
		return err
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.New(apperr.CodeTooLarge, "request body is larger than %d bytes", tooBig.Limit)
		}
		return apperr.New(apperr.CodeInvalidJSON, "could not read request body")
	}
	if err := Decode(body, v); err != nil {
		return err
	}
	if val, ok := v.(Validator); ok {
		return val.Validate()
	}
	return nil
}

func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil // curl without -H; the body must still be JSON
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return apperr.New(apperr.CodeUnsupportedMedia, "request body must be application/json")
	}
	return nil
}

// Decode strictly decodes one JSON value from body into v, mapping every failure to a
// client error with the offending field named where there is one.
func Decode(body []byte, v any) error {
	// A bare null decodes into a struct as "nothing set", which would slip past
	// decoding as if the client had sent {}.
	if t := bytes.TrimSpace(body); len(t) == 0 || string(t) == "null" {
		return apperr.New(apperr.CodeInvalidJSON, "request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return apperr.New(apperr.CodeInvalidJSON, "request body must hold a single JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.CodeInvalidJSON, "request body must hold a single JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return apperr.New(apperr.CodeInvalidJSON, "malformed JSON at byte %d", syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.New(apperr.CodeInvalidJSON, "malformed JSON: unexpected end of body")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.CodeInvalidJSON, "request body must be a JSON %s", jsonKind(typ.Type.Kind().String()))
		}
		return &apperr.Error{Code: apperr.CodeValidation, Message: "request has invalid fields",
			Details: map[string]string{field: "must be " + jsonKind(typ.Type.Kind().String())}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Code: apperr.CodeValidation, Message: "request has invalid fields",
			Details: map[string]string{field: "unknown field"}}
	default:
		var fieldErr interface{ FieldError() (string, string) }
		if errors.As(err, &fieldErr) {
			f, msg := fieldErr.FieldError()
			return &apperr.Error{Code: apperr.CodeValidation, Message: "request has invalid fields", Details: map[string]string{f: msg}}
		}
		return apperr.New(apperr.CodeInvalidJSON, "malformed JSON")
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	default:
		return "of another type"
	}
}

// JSON writes v with status.
func JSON(c *gin.Context, status int, v any) { c.JSON(status, v) }
