package apperr

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Fields collects per-field validation problems; Err returns nil when there are none.
// Domain constructors use it so every rule is reported at once, not one per round trip.
type Fields map[string]string

// Add records a problem with field unless one is already recorded for it.
func (f Fields) Add(field, format string, args ...any) {
	if _, ok := f[field]; !ok {
		f[field] = fmt.Sprintf(format, args...)
	}
}

// Required records field as missing when value is blank.
func (f Fields) Required(field, value string) bool {
	if strings.TrimSpace(value) == "" {
		f.Add(field, "is required")
		return false
	}
	return true
}

// MaxLen records field when value is longer than n characters.
func (f Fields) MaxLen(field, value string, n int) {
	if utf8.RuneCountInString(value) > n {
		f.Add(field, "must be at most %d characters", n)
	}
}

// OneOf records field when value is not one of allowed.
func (f Fields) OneOf(field, value string, allowed ...string) bool {
	for _, a := range allowed {
		if value == a {
			return true
		}
	}
	f.Add(field, "must be one of: %s", strings.Join(allowed, ", "))
	return false
}

// Range records field when v is outside [lo, hi].
func (f Fields) Range(field string, v, lo, hi float64) {
	if v < lo || v > hi {
		f.Add(field, "must be between %v and %v", lo, hi)
	}
}

// Err returns a validation error carrying the collected fields, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: CodeValidation, Message: "request has invalid fields", Details: f}
}
