package fees_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
)

// env is one test's system with the fees service wired in like cmd/server does.
type env struct {
	*apitest.Env
	svc     *fees.Service
	finance string // token
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := apitest.New(t)
	svc, err := fees.NewService(fees.Deps{DB: e.DB, Clock: e.Clock, Log: e.Log})
	require.NoError(t, err)
	require.NoError(t, svc.EnsureIndexes(context.Background()))
	svc.Register(e.Mux)
	e.Watch(fees.Collections()...)
	fees.NewHandler(svc).Routes(e.API)
	return &env{Env: e, svc: svc, finance: e.As(auth.RoleFinance)}
}

// outlet returns a token for a new user of the outlet.
func (e *env) outlet(outletID string) string {
	tok, _ := e.User(auth.CreateUserInput{Role: auth.RoleOutlet, OutletID: outletID})
	return tok
}

func ptr[T any](v T) *T { return &v }

// standardRules is the schedule the tests price with (amounts in fen):
// labour: fallback per type, repair of 冰箱 anywhere 80.00, in 440300 90.00, any repair
// in 440300 70.00; travel 0–10 km free, 10–30 km 20.00, 30+ km 50.00; parts +15%;
// night 20:00–08:00 +50% of labour, holiday 2026-05-01 +30.00, remote (>50 km or 650000) +20.00.
func standardRules() fees.Rules {
	return fees.Rules{
		Labour: []fees.LabourRule{
			{ServiceType: fees.ServiceRepair, Category: "*", Region: "*", Amount: 5000},
			{ServiceType: fees.ServiceRepair, Category: "冰箱", Region: "*", Amount: 8000},
			{ServiceType: fees.ServiceRepair, Category: "冰箱", Region: "440300", Amount: 9000},
			{ServiceType: fees.ServiceRepair, Category: "*", Region: "440300", Amount: 7000},
			{ServiceType: fees.ServiceInstallation, Category: "*", Region: "*", Amount: 6000},
			{ServiceType: fees.ServiceMaintenance, Category: "*", Region: "*", Amount: 4000},
			{ServiceType: fees.ServiceInspection, Category: "*", Region: "*", Amount: 3000},
		},
		Travel: []fees.TravelBand{
			{FromKm: 0, ToKm: ptr(10.0), Amount: 0},
			{FromKm: 10, ToKm: ptr(30.0), Amount: 2000},
			{FromKm: 30, Amount: 5000},
		},
		Parts: fees.PartsRule{MarkupBP: 1500},
		Surcharges: fees.Surcharges{
			Night:   &fees.NightSurcharge{From: "20:00", To: "08:00", Charge: fees.Charge{PercentBP: ptr(int64(5000))}},
			Holiday: &fees.HolidaySurcharge{Dates: []string{"2026-05-01"}, Charge: fees.Charge{Amount: ptr(int64(3000))}},
			Remote:  &fees.RemoteSurcharge{OverKm: ptr(50.0), Regions: []string{"650000"}, Charge: fees.Charge{Amount: ptr(int64(2000))}},
		},
	}
}

// withLabour returns standardRules with every fallback labour row set to amount.
func withLabour(amount int64) fees.Rules {
	r := standardRules()
	for i := range r.Labour {
		if r.Labour[i].Category == "*" && r.Labour[i].Region == "*" {
			r.Labour[i].Amount = amount
		}
	}
	return r
}

// defaultSchedule creates the default schedule through the API, effective now.
func (e *env) defaultSchedule(t *testing.T) fees.Schedule {
	return e.schedule(t, fees.CreateScheduleInput{Rules: standardRules()})
}

func (e *env) schedule(t *testing.T, in fees.CreateScheduleInput) fees.Schedule {
	t.Helper()
	res := e.Do(http.MethodPost, "/api/v1/fees/schedules", e.finance, in)
	require.Equal(t, http.StatusCreated, res.Code, res.String())
	var s fees.Schedule
	res.JSON(t, &s)
	return s
}

// at is a Shanghai wall-clock time.
func at(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, fees.Shanghai)
}

// job is a brand-paid repair of outlet completed at a weekday daytime in March 2026.
func job(orderID, outletID string, completed time.Time) fees.Job {
	return fees.Job{OrderID: orderID, OutletID: outletID, ServiceType: fees.ServiceRepair, Category: "洗衣机",
		Region: "310000", DistanceKm: 5, CompletedAt: completed, InWarranty: true}
}

func (e *env) price(t *testing.T, j fees.Job) fees.PricedJob {
	t.Helper()
	p, err := e.svc.Price(context.Background(), j)
	require.NoError(t, err)
	return p
}

func (e *env) statement(t *testing.T, tok, id string) fees.Statement {
	t.Helper()
	res := e.Do(http.MethodGet, "/api/v1/fees/statements/"+id, tok, nil)
	require.Equal(t, http.StatusOK, res.Code, res.String())
	var st fees.Statement
	res.JSON(t, &st)
	return st
}

func (e *env) generate(t *testing.T, period string) []fees.StatementSummary {
	t.Helper()
	res := e.Do(http.MethodPost, "/api/v1/fees/statements/generate", e.finance, map[string]string{"period": period})
	require.Equal(t, http.StatusOK, res.Code, res.String())
	var out fees.GenerateResponse
	res.JSON(t, &out)
	return out.Statements
}

func sumEffective(lines []fees.StatementLine) int64 {
	var t int64
	for _, l := range lines {
		t += l.Effective()
	}
	return t
}
