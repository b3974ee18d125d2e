package mobileapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aftersales/aftersales/mobileapi"
)

// FuzzCheckIn posts arbitrary bodies to a technician's check-in: the answer is never a
// 5xx, a refused body writes no visit event, and an accepted one writes exactly one.
// The phone is the least trusted client the system has.
func FuzzCheckIn(f *testing.F) {
	e := newEnv(f)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	now := e.Clock.Now().Format(time.RFC3339)
	for _, seed := range []string{
		`{"lat":31.2304,"lon":121.4737,"accuracy_m":12,"device_time":"` + now + `"}`,
		`{"lat":31.2304,"lon":121.4737,"accuracy_m":12,"device_time":"` + now + `","photo_id":"PHO-NONE"}`,
		`{"lat":91,"lon":181,"accuracy_m":-1,"device_time":"yesterday"}`,
		`{"lat":"31.2","lon":121.4,"accuracy_m":5,"device_time":"` + now + `"}`,
		`{"lat":1e400,"lon":0,"accuracy_m":0,"device_time":"` + now + `"}`,
		`{"lat":null,"lon":null,"accuracy_m":null,"device_time":null}`,
		`{"lat":31.2304,"lon":121.4737,"accuracy_m":12,"device_time":"` + now + `","extra":1}`,
		`{}`, `[]`, `null`, `{"lat":31.2`, `"check_in"`,
	} {
		f.Add([]byte(seed))
	}
	tok := e.a.tok()
	f.Fuzz(func(t *testing.T, body []byte) {
		e.Fuzzed(t, http.MethodPost, "/mobile/v1/jobs/"+job+"/check_in", tok, body, mobileapi.VisitEventsCollection)
	})
}

// FuzzSync posts arbitrary offline batches: never a 5xx, and a batch refused as a
// whole writes nothing.
func FuzzSync(f *testing.F) {
	e := newEnv(f)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	now := e.Clock.Now().Format(time.RFC3339)
	action := func(key, typ, payload string) string {
		return `{"idempotency_key":"` + key + `","type":"` + typ + `","job_id":"` + job + `","device_time":"` + now + `","payload":` + payload + `}`
	}
	pos := `{"lat":31.2304,"lon":121.4737,"accuracy_m":12,"device_time":"` + now + `"}`
	for _, seed := range []string{
		`{"device_time":"` + now + `","actions":[` + action("k1", "en_route", pos) + `,` + action("k2", "check_in", pos) + `]}`,
		`{"device_time":"` + now + `","actions":[` + action("k3", "appointment", `{"start":"2026-03-02T10:00:00Z","end":"2026-03-02T12:00:00Z"}`) + `]}`,
		`{"device_time":"` + now + `","actions":[` + action("k4", "complete", `{"resolution_code":"repaired","fault_found":"x","work_done":"y"}`) + `]}`,
		`{"device_time":"` + now + `","actions":[` + action("k5", "teleport", `{}`) + `]}`,
		`{"device_time":"` + now + `","actions":[` + action("", "check_in", `"not an object"`) + `]}`,
		`{"device_time":"` + now + `","actions":[]}`,
		`{"device_time":"soon","actions":[` + action("k6", "check_in", pos) + `]}`,
		`{"actions":[` + strings.Repeat(action("k7", "check_in", pos)+",", 100) + action("k8", "check_in", pos) + `]}`,
		`{}`, `[]`, `null`, `{"device_time":`,
	} {
		f.Add([]byte(seed))
	}
	tok := e.a.tok()
	f.Fuzz(func(t *testing.T, body []byte) {
		e.Fuzzed(t, http.MethodPost, "/mobile/v1/sync", tok, body, mobileapi.VisitEventsCollection)
	})
}
