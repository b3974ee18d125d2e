package fees_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestRepricingAfterANewVersionKeepsTheLinesAndVersionItUsed(t *testing.T) {
	e := newEnv(t)
	s := e.defaultSchedule(t)
	j := job("SO-1", "OUT-1", at(2026, 3, 5, 10, 0))
	e.Clock.Set(at(2026, 3, 5, 11, 0))
	first := e.price(t, j)
	require.Equal(t, 1, first.ScheduleVersion)

	v2From := at(2026, 3, 10, 0, 0)
	e.finance = e.As(auth.RoleFinance) // tokens live 15 minutes of the manual clock
	res := e.Do(http.MethodPost, "/api/v1/fees/schedules/"+s.ID+"/versions", e.finance,
		fees.AddVersionInput{EffectiveFrom: &v2From, Rules: withLabour(6000)})
	require.Equal(t, http.StatusCreated, res.Code, res.String())
	e.Clock.Set(at(2026, 3, 11, 9, 0))
	e.finance = e.As(auth.RoleFinance)

	// The completion is reported again, even with a later time (a redelivered event, a
	// corrected timestamp): the stored lines stand.
	redelivered := j
	redelivered.CompletedAt = at(2026, 3, 11, 8, 0)
	again := e.price(t, redelivered)
	assert.Equal(t, first.Lines, again.Lines)
	assert.Equal(t, 1, again.ScheduleVersion)
	assert.Equal(t, first.Totals, again.Totals)
	var stored fees.PricedJob
	e.Do(http.MethodGet, "/api/v1/fees/priced-jobs/SO-1", e.finance, nil).JSON(t, &stored)
	assert.Equal(t, 1, stored.ScheduleVersion)
	assert.Equal(t, int64(5000), lineOf(t, stored.Lines, fees.KindLabour).Amount)

	fresh := e.price(t, job("SO-2", "OUT-1", at(2026, 3, 11, 8, 30)))
	assert.Equal(t, 2, fresh.ScheduleVersion, "a job completed under v2 is priced with v2")
	assert.Equal(t, int64(6000), lineOf(t, fresh.Lines, fees.KindLabour).Amount)
	assert.Equal(t, int64(2), e.Count(fees.PricedJobsCollection))
}

func TestConcurrentPricingOfOneOrderStoresOneResult(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	var wg sync.WaitGroup
	results := make([]fees.PricedJob, 6)
	errs := make([]error, 6)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = e.svc.Price(context.Background(), job("SO-race", "OUT-1", at(2026, 3, 5, 10, 0)))
		}()
	}
	wg.Wait()
	for i := range results {
		require.NoError(t, errs[i])
		assert.Equal(t, results[0].Lines, results[i].Lines)
	}
	assert.Equal(t, int64(1), e.Count(fees.PricedJobsCollection))
}

func TestOutOfWarrantyPricingIsFlaggedWithoutAnAcceptedQuote(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	agent := e.As(auth.RoleAgent)
	out := job("SO-noquote", "OUT-1", at(2026, 3, 5, 10, 0))
	out.InWarranty = false
	p := e.price(t, out)
	assert.Contains(t, p.Flags, fees.FlagQuoteMissing, "the work is done, so it is priced, but finance sees it")
	assert.Empty(t, p.QuoteID)

	q := e.quote(t, agent, quoteFor("SO-quoted"))
	acc := e.Do(http.MethodPost, "/api/v1/fees/quotes/"+q.ID+"/accept", agent,
		fees.AcceptInput{AcceptedByName: "张三", Channel: fees.ChannelInPerson, SignatureRef: "SIG-1"})
	require.Equal(t, http.StatusOK, acc.Code, acc.String())
	quoted := job("SO-quoted", "OUT-1", at(2026, 3, 5, 10, 0))
	quoted.InWarranty = false
	p = e.price(t, quoted)
	assert.NotContains(t, p.Flags, fees.FlagQuoteMissing)
	assert.Equal(t, q.ID, p.QuoteID)
	require.NotNil(t, p.QuotedTotal)
	assert.Equal(t, q.Totals.Total, *p.QuotedTotal)
}

func TestLabourFeeCacheSeesANewVersionOnceItIsEffective(t *testing.T) {
	e := newEnv(t)
	s := e.defaultSchedule(t)
	// A second process (a worker) on the same database, started before the change.
	worker, err := fees.NewService(fees.Deps{DB: e.DB, Clock: e.Clock})
	require.NoError(t, err)
	require.NoError(t, worker.EnsureIndexes(context.Background()))

	from := e.Clock.Now().Add(24 * time.Hour)
	res := e.Do(http.MethodPost, "/api/v1/fees/schedules/"+s.ID+"/versions", e.finance,
		fees.AddVersionInput{EffectiveFrom: &from, Rules: withLabour(6000)})
	require.Equal(t, http.StatusCreated, res.Code, res.String())

	fee := func(svc *fees.Service) int64 {
		f, ok := svc.LabourFee("OUT-1", fees.ServiceRepair, "空调", "310000", e.Clock.Now())
		require.True(t, ok)
		return f
	}
	assert.Equal(t, int64(5000), fee(e.svc), "not effective yet")
	e.Clock.Advance(25 * time.Hour)
	assert.Equal(t, int64(6000), fee(e.svc), "the writing process sees it at once")
	assert.Equal(t, int64(5000), fee(worker), "the other process has not heard of it yet")

	deliverTo(t, e, worker)
	assert.Equal(t, int64(6000), fee(worker), "fees:schedule_changed refreshed its cache")
}

func TestMinLabourFeeIsTheLowestAnyScheduleCharges(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	e.schedule(t, fees.CreateScheduleInput{OutletID: "OUT-cheap", Rules: withLabour(3000)})
	now := e.Clock.Now()
	min, ok := e.svc.MinLabourFee(fees.ServiceInstallation, "空调", "310000", now)
	require.True(t, ok)
	assert.Equal(t, int64(3000), min)
	_, ok = e.svc.LabourFee("OUT-1", fees.ServiceRepair, "冰箱", "310000", now.Add(-time.Hour))
	assert.False(t, ok, "no version was in force an hour ago")
}
