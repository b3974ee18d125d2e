package registry_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

// FuzzCreateCustomer posts arbitrary bodies to POST /customers: the answer is never a
// 5xx, and a refused body writes nothing.
func FuzzCreateCustomer(f *testing.F) {
	for _, seed := range []string{
		`{"name":"Zhang San","phone":"13812345678","addresses":[{"line":"1 Nanjing Rd","city":"Shanghai","province":"Shanghai","lat":31.23,"lon":121.47}]}`,
		`{"name":"Li Si","phone":"+86 139-8765-4321","email":"li@example.com","addresses":[{"id":"home","label":"home","line":"2 Rd","city":"Hangzhou","province":"Zhejiang","lat":30.2,"lon":120.1}],"default_address_id":"home"}`,
		`{"name":"Zhang San","phone":"13812345678","addresses":[]}`,
		`{"name":"","phone":"x","addresses":[{"line":"","lat":91,"lon":-181}]}`,
		`{"name":"A","phone":"13812345678","addresses":[{"line":"1","city":"c","province":"p","lat":"31","lon":121}]}`,
		`{"name":"A","phone":"13812345678","addresses":[{"line":"1","city":"c","province":"p"}],"default_address_id":"nope"}`,
		`{"name":"A","phone":"13812345678","addresses":null,"extra":1}`,
		`{"name":"A"}`, `{}`, `[]`, `null`, `{"name":`, `"x"`,
	} {
		f.Add([]byte(seed))
	}
	e := apitest.New(f)
	svc, err := registry.NewService(registry.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	if err != nil {
		f.Fatal(err)
	}
	if err := svc.EnsureIndexes(context.Background()); err != nil {
		f.Fatal(err)
	}
	registry.NewHandler(svc).Routes(e.API)
	agent := e.As(auth.RoleAgent)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.Fuzzed(t, http.MethodPost, "/api/v1/customers", agent, body, registry.CustomersCollection)
	})
}
