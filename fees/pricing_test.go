package fees_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
)

func TestMostSpecificLabourRowWins(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	cases := []struct {
		serviceType, category, region string
		want                          int64
		row                           string
	}{
		{fees.ServiceRepair, "冰箱", "440300", 9000, "冰箱/440300"},
		{fees.ServiceRepair, "冰箱", "110000", 8000, "冰箱/*"},
		{fees.ServiceRepair, "洗衣机", "440300", 7000, "*/440300"},
		{fees.ServiceRepair, "洗衣机", "110000", 5000, "*/*"},
		{fees.ServiceInstallation, "冰箱", "440300", 6000, "*/*"},
	}
	when := at(2026, 3, 3, 10, 0)
	for i, tc := range cases {
		t.Run(tc.serviceType+" "+tc.category+" "+tc.region, func(t *testing.T) {
			fee, ok := e.svc.LabourFee("OUT-1", tc.serviceType, tc.category, tc.region, when)
			require.True(t, ok)
			assert.Equal(t, tc.want, fee)
			j := job("SO-"+string(rune('a'+i)), "OUT-1", when)
			j.ServiceType, j.Category, j.Region = tc.serviceType, tc.category, tc.region
			labour := lineOf(t, e.price(t, j).Lines, fees.KindLabour)
			assert.Equal(t, tc.want, labour.Amount)
			assert.Equal(t, "labour/"+tc.serviceType+"/"+tc.row, labour.Code)
		})
	}
}

func TestSurchargesAreDetectedOrAsserted(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	cases := []struct {
		name   string
		change func(j *fees.Job)
		want   map[string]int64 // surcharge code → amount
	}{
		{"weekday daytime nearby has none", func(j *fees.Job) {}, map[string]int64{}},
		{"late evening is night: 50% of labour", func(j *fees.Job) { j.CompletedAt = at(2026, 3, 3, 22, 30) },
			map[string]int64{"surcharge/night": 2500}},
		{"early morning is night", func(j *fees.Job) { j.CompletedAt = at(2026, 3, 3, 7, 59) },
			map[string]int64{"surcharge/night": 2500}},
		{"the window ends at 08:00", func(j *fees.Job) { j.CompletedAt = at(2026, 3, 3, 8, 0) }, map[string]int64{}},
		{"night asserted by the order", func(j *fees.Job) { j.Night = true }, map[string]int64{"surcharge/night": 2500}},
		{"listed holiday", func(j *fees.Job) { j.CompletedAt = at(2026, 5, 1, 10, 0) },
			map[string]int64{"surcharge/holiday": 3000}},
		{"remote by distance", func(j *fees.Job) { j.DistanceKm = 60 }, map[string]int64{"surcharge/remote": 2000}},
		{"remote by region", func(j *fees.Job) { j.Region = "650000" }, map[string]int64{"surcharge/remote": 2000}},
		{"all three", func(j *fees.Job) { j.CompletedAt, j.Region = at(2026, 5, 1, 23, 0), "650000" },
			map[string]int64{"surcharge/night": 2500, "surcharge/holiday": 3000, "surcharge/remote": 2000}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := job("SO-s"+string(rune('a'+i)), "OUT-1", at(2026, 3, 3, 10, 0))
			tc.change(&j)
			got := map[string]int64{}
			for _, l := range e.price(t, j).Lines {
				if l.Kind == fees.KindSurcharge {
					got[l.Code] = l.Amount
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestTravelBandsAndPartsMarkup(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	j := job("SO-parts", "OUT-1", at(2026, 3, 3, 10, 0))
	j.DistanceKm = 10 // bands are [from, to): 10 km is the second band
	j.Parts = []fees.PartUse{{PartNo: "PCB-01", Qty: 3, ListPrice: 10001}}
	p := e.price(t, j)
	assert.Equal(t, int64(2000), lineOf(t, p.Lines, fees.KindTravel).Amount)
	parts := lineOf(t, p.Lines, fees.KindParts)
	assert.Equal(t, int64(11501), parts.UnitAmount, "10001 + 15% = 11501.15, rounded half up")
	assert.Equal(t, int64(34503), parts.Amount)
	assert.Equal(t, 3, parts.Qty)

	near := job("SO-near", "OUT-1", at(2026, 3, 3, 10, 0))
	near.DistanceKm = 9.99
	for _, l := range e.price(t, near).Lines {
		assert.NotEqual(t, fees.KindTravel, l.Kind, "a free band adds no line")
	}
}

func TestWarrantyDecidesWhoPays(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	for _, inWarranty := range []bool{true, false} {
		j := job("SO-w", "OUT-1", at(2026, 3, 3, 22, 0))
		j.OrderID += map[bool]string{true: "in", false: "out"}[inWarranty]
		j.InWarranty, j.DistanceKm = inWarranty, 20
		j.Parts = []fees.PartUse{{PartNo: "P-1", Qty: 1, ListPrice: 1000}}
		p := e.price(t, j)
		payer := map[bool]string{true: fees.PayerBrand, false: fees.PayerCustomer}[inWarranty]
		require.Len(t, p.Lines, 4, "labour, travel, parts, night")
		var sum int64
		for _, l := range p.Lines {
			assert.Equal(t, payer, l.Payer, l.Code)
			sum += l.Amount
		}
		assert.Equal(t, sum, p.Totals.Total)
		if inWarranty {
			assert.Equal(t, fees.Totals{Brand: sum, Total: sum}, p.Totals)
			assert.NotContains(t, p.Flags, fees.FlagQuoteMissing)
		} else {
			assert.Equal(t, fees.Totals{Customer: sum, Total: sum}, p.Totals)
		}
	}
}

func TestPricingWithoutScheduleOrWithWrongCurrencyIsRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.svc.Price(ctx, job("SO-1", "OUT-1", at(2026, 3, 3, 10, 0)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no fee schedule")

	e.defaultSchedule(t)
	j := job("SO-1", "OUT-1", at(2026, 3, 3, 10, 0))
	j.Currency = "USD"
	_, err = e.svc.Price(ctx, j)
	assert.ErrorContains(t, err, "currency")
	_, err = e.svc.Price(ctx, job("SO-1", "OUT-1", at(2026, 3, 1, 10, 0)))
	assert.ErrorContains(t, err, "no fee schedule", "completed before the first version took effect")
	assert.Equal(t, int64(0), e.Count(fees.PricedJobsCollection))
}

func TestOutletScheduleOverridesDefaultAndFallsBackBeforeItStarts(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	starts := at(2026, 3, 10, 0, 0)
	e.schedule(t, fees.CreateScheduleInput{OutletID: "OUT-2", EffectiveFrom: &starts, Rules: withLabour(9900)})

	before := e.price(t, job("SO-1", "OUT-2", at(2026, 3, 5, 10, 0)))
	after := e.price(t, job("SO-2", "OUT-2", at(2026, 3, 12, 10, 0)))
	other := e.price(t, job("SO-3", "OUT-1", at(2026, 3, 12, 10, 0)))
	assert.Equal(t, int64(5000), lineOf(t, before.Lines, fees.KindLabour).Amount)
	assert.Equal(t, int64(9900), lineOf(t, after.Lines, fees.KindLabour).Amount)
	assert.Equal(t, int64(5000), lineOf(t, other.Lines, fees.KindLabour).Amount)
	assert.NotEqual(t, before.ScheduleID, after.ScheduleID)
}
