package dispatch

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
)

// Limits of network fields.
const (
	maxNameLen     = 100
	maxAddressLen  = 300
	maxListLen     = 50
	maxRadiusKm    = 500
	maxDailyJobs   = 10000
	maxRate        = 100_000_000 // 1,000,000.00 per job or km
	minSecretLen   = 16
	maxSecretLen   = 128
	maxWebhookURL  = 500
	maxReasonLen   = 500
	maxTechPerDay  = 100
	maxReceiving   = 1_000_000
	maxExcludeSize = 100
)

var (
	slugRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	phoneRE = regexp.MustCompile(`^\+?[0-9]{6,15}$`)
)

// cleanSlugs trims and lower-cases a list of codes (skills, categories, brands),
// dropping duplicates; it never returns nil, so stored lists compare equal.
func cleanSlugs(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// checkSlugs reports a list that is too long or holds a malformed code; required lists
// must hold one at least. allowAny accepts AnyBrand.
func checkSlugs(f apperr.Fields, field string, list []string, required, allowAny bool) {
	switch {
	case required && len(list) == 0:
		f.Add(field, "needs at least one entry")
	case len(list) > maxListLen:
		f.Add(field, "must have at most %d entries", maxListLen)
	}
	for i, s := range list {
		if !slugRE.MatchString(s) && !(allowAny && s == AnyBrand) {
			f.Add(fmt.Sprintf("%s[%d]", field, i), "must be a code of lower-case letters, digits, _ or - (at most 40)")
		}
	}
}

// checkCode reports a missing or malformed single code.
func checkCode(f apperr.Fields, field, v string) {
	if f.Required(field, v) && !slugRE.MatchString(v) {
		f.Add(field, "must be a code of lower-case letters, digits, _ or - (at most 40)")
	}
}

func checkText(f apperr.Fields, field, value string, maxLen int) {
	if f.Required(field, value) {
		f.MaxLen(field, value, maxLen)
	}
}

func checkCoords(f apperr.Fields, prefix string, lat, lon float64) {
	f.Range(prefix+"lat", lat, -90, 90)
	f.Range(prefix+"lon", lon, -180, 180)
}

// requireCoords reports coordinates missing from a create request.
func requireCoords(f apperr.Fields, prefix string, lat, lon *float64) {
	if lat == nil {
		f.Add(prefix+"lat", "is required")
	}
	if lon == nil {
		f.Add(prefix+"lon", "is required")
	}
}

func checkTimeZone(f apperr.Fields, tz string) {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		f.Add("time_zone", "must be an IANA time zone such as Asia/Shanghai")
	}
}

// checkWebhook accepts no webhook, or an absolute http(s) URL with a secret.
func checkWebhook(f apperr.Fields, w Webhook) {
	if w.URL == "" {
		if w.Secret != "" {
			f.Add("webhook_url", "is required when a webhook secret is set")
		}
		return
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(w.URL) > maxWebhookURL {
		f.Add("webhook_url", "must be an absolute http or https URL of at most %d characters", maxWebhookURL)
	}
	switch n := len(w.Secret); {
	case n == 0:
		f.Add("webhook_secret", "is required with a webhook URL")
	case n < minSecretLen || n > maxSecretLen:
		f.Add("webhook_secret", "must be %d to %d characters", minSecretLen, maxSecretLen)
	}
}

func checkIntRange(f apperr.Fields, field string, v, lo, hi int64) {
	if v < lo || v > hi {
		f.Add(field, "must be an integer from %d to %d", lo, hi)
	}
}

// field is one stored field of a network member, for working out what a change changed.
type field struct {
	key   string // bson and JSON name
	value any
}

// diff compares two field lists of the same shape and returns the $set of the fields
// that differ and their names.
func diff(before, after []field) (bson.D, []string) {
	var set bson.D
	var names []string
	for i := range after {
		if !reflect.DeepEqual(before[i].value, after[i].value) {
			set = append(set, bson.E{Key: after[i].key, Value: after[i].value})
			names = append(names, after[i].key)
		}
	}
	return set, names
}

// assign sets *dst to *src when src is given.
func assign[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// requireChange refuses a patch whose fields other than Version are all absent.
func requireChange(patch any) error {
	v := reflect.ValueOf(patch)
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Name != "Version" && !v.Field(i).IsZero() {
			return nil
		}
	}
	return apperr.New(apperr.CodeValidation, "request changes nothing")
}

// reported reports whether f already holds a problem under prefix.
func reported(f apperr.Fields, prefix string) bool {
	for k := range f {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
