package complaints_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

// FuzzCreateComplaint posts arbitrary bodies to POST /complaints: the answer is never
// a 5xx, and a refused body writes no complaint (and queues nothing).
func FuzzCreateComplaint(f *testing.F) {
	e, customer := fuzzEnv(f)
	for _, seed := range []string{
		`{"channel":"phone","customer_id":"` + customer + `","serial":"SN-FUZZ-1","category":"quality_fault","description":"blows warm air"}`,
		`{"channel":"social_media","customer_id":"` + customer + `","category":"damaged","description":"cracked","flags":["media","loss_involved"],"attachments":[{"name":"a.jpg","content_type":"image/jpeg","size":10}]}`,
		`{"channel":"phone","customer_id":"` + customer + `","serial":"SN-NOT-THEIRS","category":"quality_fault","description":"x"}`,
		`{"channel":"fax","customer_id":"` + customer + `","category":"nope","description":""}`,
		`{"channel":"phone","customer_id":"CUS-NONE","category":"other","description":"x"}`,
		`{"channel":"phone","customer_id":"` + customer + `","category":"other","description":"x","flags":["bogus"]}`,
		`{"channel":"phone","customer_id":"` + customer + `","category":"other","description":"x","sales_order_id":"SO-NONE"}`,
		`{"channel":1}`, `{}`, `[]`, `null`, `{"channel":"phone"`, `{"channel":"phone","extra":true}`,
	} {
		f.Add([]byte(seed))
	}
	agent := e.As(auth.RoleAgent)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.Fuzzed(t, http.MethodPost, "/api/v1/complaints", agent, body, complaints.ComplaintsCollection)
	})
}

// fuzzEnv wires registry and complaints as the server does, with one customer who
// bought unit SN-FUZZ-1.
func fuzzEnv(f *testing.F) (*apitest.Env, string) {
	ctx := context.Background()
	e := apitest.New(f)
	reg, err := registry.NewService(registry.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	if err != nil {
		f.Fatal(err)
	}
	svc, err := complaints.NewService(complaints.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log, Directory: reg, Users: e.Auth})
	if err != nil {
		f.Fatal(err)
	}
	for _, ensure := range []func(context.Context) error{reg.EnsureIndexes, svc.EnsureIndexes} {
		if err := ensure(ctx); err != nil {
			f.Fatal(err)
		}
	}
	registry.NewHandler(reg).Routes(e.API)
	complaints.NewHandler(svc).Routes(e.API)
	admin := e.As(auth.RoleAdmin)
	if r := e.Do(http.MethodPost, "/api/v1/products", admin, map[string]any{"sku": "AC-100", "name": "AC 100",
		"brand": "Acme", "category": "air_conditioner", "warranty_months": 24}); r.Code != http.StatusCreated {
		f.Fatal(r)
	}
	r := e.Do(http.MethodPost, "/api/v1/sales-orders", admin, map[string]any{
		"shop": "tmall", "shop_order_no": "T-FUZZ-1", "ordered_at": "2026-02-01T00:00:00Z", "currency": "CNY",
		"customer": map[string]any{"name": "Zhang San", "phone": "13812345678", "addresses": []map[string]any{
			{"line": "1 Nanjing Rd", "city": "Shanghai", "province": "Shanghai", "lat": 31.23, "lon": 121.47}}},
		"lines": []map[string]any{{"line_no": 1, "sku": "AC-100", "qty": 1, "unit_price": 299900,
			"serials": []string{"SN-FUZZ-1"}, "delivered_at": "2026-02-03T00:00:00Z"}}})
	if r.Code != http.StatusCreated {
		f.Fatal(r)
	}
	return e, r.Map(f)["customer_id"].(string)
}
