package httpx

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/aftersales/aftersales/internal/apperr"
)

// fuzzRequest has the shapes request bodies use: strings, pointers, nested objects,
// lists of objects, maps and integers with a range, plus a Validate that reads them all.
type fuzzRequest struct {
	Name    string            `json:"name"`
	Qty     *int              `json:"qty"`
	Price   int64             `json:"price"`
	Ratio   float64           `json:"ratio,omitempty"`
	Tags    []string          `json:"tags,omitempty"`
	Hours   map[string]string `json:"hours,omitempty"`
	Address *struct {
		Line string   `json:"line"`
		Lat  *float64 `json:"lat"`
	} `json:"address,omitempty"`
	Lines []struct {
		LineNo int `json:"line_no"`
		Qty    int `json:"qty"`
	} `json:"lines,omitempty"`
}

func (r fuzzRequest) Validate() error {
	f := apperr.Fields{}
	f.Required("name", r.Name)
	f.MaxLen("name", r.Name, 50)
	if r.Qty == nil {
		f.Add("qty", "is required")
	} else {
		f.Range("qty", float64(*r.Qty), 1, 999)
	}
	if r.Address != nil && r.Address.Lat != nil {
		f.Range("address.lat", *r.Address.Lat, -90, 90)
	}
	for _, l := range r.Lines {
		f.Range("lines.qty", float64(l.Qty), 1, 99)
	}
	return f.Err()
}

// FuzzBind feeds arbitrary bytes to Bind: it never panics, and every refusal is an
// *apperr.Error that maps to a 4xx status, never a 500.
func FuzzBind(f *testing.F) {
	for _, seed := range []string{
		`{"name":"ok","qty":1}`,
		`{"name":"ok","qty":1,"price":100,"tags":["a"],"hours":{"mon":"08:00"},"address":{"line":"x","lat":31.2},"lines":[{"line_no":1,"qty":2}]}`,
		`{"name":"","qty":0}`, `{"name":1}`, `{"qty":"1"}`, `{"qty":1e400}`, `{"price":9223372036854775808}`,
		`{"name":"ok","qty":1,"extra":true}`, `{"name":"ok","qty":1}{"name":"again"}`, `{"name":"ok","qty":1} x`,
		`null`, ``, ` `, `[]`, `"x"`, `{`, `{"address":{"lat":"n"}}`, `{"lines":[{"qty":-1}]}`, `{"name":"\ud800"}`,
		`{"hours":{"mon":1}}`, `{"tags":[null]}`, "\xff\xfe", `{"name":"ok","qty":1,"name":"dup"}`,
	} {
		f.Add([]byte(seed), "application/json")
	}
	f.Add([]byte(`{"name":"ok","qty":1}`), "text/plain")
	f.Add([]byte(`{"name":"ok","qty":1}`), "application/merge-patch+json; charset=utf-8")
	f.Add([]byte(`{"name":"ok","qty":1}`), ";;;")
	gin.SetMode(gin.ReleaseMode)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body))
		c.Request.Header.Set("Content-Type", contentType)
		var req fuzzRequest
		err := Bind(c, &req)
		if err == nil {
			if req.Validate() != nil {
				t.Fatalf("Bind accepted a body its Validate refuses: %q", body)
			}
			return
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			t.Fatalf("Bind(%q) returned %T %v, not an *apperr.Error", body, err, err)
		}
		if s := apperr.Status(err); s < 400 || s > 499 {
			t.Fatalf("Bind(%q) maps to status %d: %v", body, s, err)
		}
	})
}
