package mobileapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkCheckIn measures one check-in through the real gin engine: JWT verification,
// the job lookup, every flag rule (with their queries), the orders service and the
// writes to the embedded FerretDB. The order is on site after the first iteration, so
// later ones also record the refused transition: the path every repeated check-in takes.
func BenchmarkCheckIn(b *testing.B) {
	e := newEnv(b)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	tok := e.a.tok()
	body, err := json.Marshal(e.at(2, 10))
	if err != nil {
		b.Fatal(err)
	}
	path := "/mobile/v1/jobs/" + job + "/check_in"
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		e.Engine.ServeHTTP(w, req)
		if w.Code != http.StatusCreated {
			b.Fatalf("check-in: %d %s", w.Code, w.Body)
		}
	}
}
