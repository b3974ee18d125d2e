package fees_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/apitest"
)

func TestScheduleRulesValidationNamesEveryBrokenFieldAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name   string
		break_ func(r *fees.Rules)
		field  string
	}{
		{"duplicate labour row overlaps", func(r *fees.Rules) {
			r.Labour = append(r.Labour, fees.LabourRule{ServiceType: fees.ServiceRepair, Category: "冰箱", Region: "*", Amount: 1})
		}, "labour[7]"},
		{"service type without fallback is a gap", func(r *fees.Rules) { r.Labour = r.Labour[:6] }, "labour"},
		{"unknown service type", func(r *fees.Rules) { r.Labour[0].ServiceType = "teleport" }, "labour[0].service_type"},
		{"negative labour", func(r *fees.Rules) { r.Labour[2].Amount = -1 }, "labour[2].amount"},
		{"blank category", func(r *fees.Rules) { r.Labour[1].Category = "" }, "labour[1].category"},
		{"no travel bands", func(r *fees.Rules) { r.Travel = nil }, "travel"},
		{"first band not at 0", func(r *fees.Rules) { r.Travel[0].FromKm = 1 }, "travel[0].from_km"},
		{"gap between bands", func(r *fees.Rules) { r.Travel[1].FromKm = 12 }, "travel[1]"},
		{"overlapping bands", func(r *fees.Rules) { r.Travel[2].FromKm = 25 }, "travel[2]"},
		{"open band before the last", func(r *fees.Rules) { r.Travel[0].ToKm = nil }, "travel[0].to_km"},
		{"band ending before it starts", func(r *fees.Rules) { r.Travel[1].ToKm = ptr(5.0) }, "travel[1].to_km"},
		{"negative markup", func(r *fees.Rules) { r.Parts.MarkupBP = -1 }, "parts.markup_bp"},
		{"night charge both amount and percent", func(r *fees.Rules) { r.Surcharges.Night.Amount = ptr(int64(100)) }, "surcharges.night"},
		{"night window not a time", func(r *fees.Rules) { r.Surcharges.Night.From = "8pm" }, "surcharges.night.from"},
		{"holiday not a date", func(r *fees.Rules) { r.Surcharges.Holiday.Dates = []string{"May 1"} }, "surcharges.holiday.dates[0]"},
		{"remote with no condition", func(r *fees.Rules) { r.Surcharges.Remote.OverKm, r.Surcharges.Remote.Regions = nil, nil }, "surcharges.remote"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rules := standardRules()
			tc.break_(&rules)
			res := e.Do(http.MethodPost, "/api/v1/fees/schedules", e.finance, fees.CreateScheduleInput{Rules: rules})
			require.Equal(t, http.StatusBadRequest, res.Code, res.String())
			body := res.Map(t)
			assert.Equal(t, "validation_failed", body["code"])
			assert.Contains(t, body["details"], tc.field, res.String())
			assert.Equal(t, int64(0), e.Count(fees.SchedulesCollection))
		})
	}
}

func TestScheduleGapAndOverlapMessagesSayWhatIsWrong(t *testing.T) {
	e := newEnv(t)
	rules := standardRules()
	rules.Labour = append(rules.Labour[:5], fees.LabourRule{ServiceType: fees.ServiceRepair, Category: "*", Region: "*", Amount: 1})
	rules.Travel[1].FromKm = 12
	res := e.Do(http.MethodPost, "/api/v1/fees/schedules", e.finance, fees.CreateScheduleInput{Rules: rules})
	require.Equal(t, http.StatusBadRequest, res.Code, res.String())
	details := res.Map(t)["details"].(map[string]any)
	assert.Contains(t, details["labour[5]"], "overlaps labour[0]")
	assert.Contains(t, details["labour"], "maintenance, inspection")
	assert.Contains(t, details["travel[1]"], "gap after travel[0]")
}

func TestClosedLastBandIsTheScheduleMaximum(t *testing.T) {
	e := newEnv(t)
	rules := standardRules()
	rules.Travel[2].ToKm = ptr(80.0)
	e.schedule(t, fees.CreateScheduleInput{Rules: rules})
	p := e.price(t, fees.Job{OrderID: "SO-far", ServiceType: fees.ServiceInspection, Category: "空调", Region: "310000",
		DistanceKm: 120, CompletedAt: apitest.Start.Add(time.Hour), InWarranty: true})
	assert.Contains(t, p.Flags, fees.FlagBeyondMaxKm)
	assert.Equal(t, int64(5000), lineOf(t, p.Lines, fees.KindTravel).Amount, "priced at the last band")
}

func TestScheduleVersionsCannotBeBackdatedOrOutOfOrder(t *testing.T) {
	e := newEnv(t)
	s := e.defaultSchedule(t)
	path := "/api/v1/fees/schedules/" + s.ID + "/versions"
	later := apitest.Start.Add(48 * time.Hour)
	past := fees.AddVersionInput{EffectiveFrom: ptr(apitest.Start.Add(-time.Hour)), Rules: standardRules()}
	assert.Equal(t, http.StatusBadRequest, e.Do(http.MethodPost, path, e.finance, past).Code)

	res := e.Do(http.MethodPost, path, e.finance, fees.AddVersionInput{EffectiveFrom: &later, Rules: withLabour(6000)})
	require.Equal(t, http.StatusCreated, res.Code, res.String())
	before := fees.AddVersionInput{EffectiveFrom: ptr(later.Add(-time.Hour)), Rules: standardRules()}
	res = e.Do(http.MethodPost, path, e.finance, before)
	assert.Equal(t, http.StatusBadRequest, res.Code)
	assert.Contains(t, res.Map(t)["details"], "effective_from")

	var got fees.Schedule
	e.Do(http.MethodGet, "/api/v1/fees/schedules/"+s.ID, e.finance, nil).JSON(t, &got)
	assert.Len(t, got.Versions, 2)
}

func TestOneSchedulePerOutlet(t *testing.T) {
	e := newEnv(t)
	e.schedule(t, fees.CreateScheduleInput{OutletID: "OUT-1", Rules: standardRules()})
	res := e.Do(http.MethodPost, "/api/v1/fees/schedules", e.finance, fees.CreateScheduleInput{OutletID: "OUT-1", Rules: standardRules()})
	assert.Equal(t, http.StatusConflict, res.Code, res.String())
	assert.Equal(t, int64(1), e.Count(fees.SchedulesCollection))
}

func lineOf(t *testing.T, lines []fees.Line, kind string) fees.Line {
	t.Helper()
	for _, l := range lines {
		if l.Kind == kind {
			return l
		}
	}
	t.Fatalf("no %s line in %+v", kind, lines)
	return fees.Line{}
}

type knownOutlets map[string]bool

func (k knownOutlets) OutletExists(_ context.Context, id string) (bool, error) { return k[id], nil }

func TestScheduleForAnUnknownOutletIsRefusedWhenOutletsAreWired(t *testing.T) {
	e := newEnv(t)
	svc, err := fees.NewService(fees.Deps{DB: e.DB, Clock: e.Clock, Outlets: knownOutlets{"OUT-1": true}})
	require.NoError(t, err)
	_, err = svc.CreateSchedule(context.Background(), fees.System, fees.CreateScheduleInput{OutletID: "OUT-9", Rules: standardRules()})
	assert.ErrorContains(t, err, "outlet_id: no such outlet")
	_, err = svc.CreateSchedule(context.Background(), fees.System, fees.CreateScheduleInput{OutletID: "OUT-1", Rules: standardRules()})
	assert.NoError(t, err)
	assert.Equal(t, int64(1), e.Count(fees.SchedulesCollection))
}
