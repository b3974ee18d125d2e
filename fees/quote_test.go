package fees_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
	"github.com/aftersales/aftersales/internal/aggregate/aggregatetest"
	"github.com/aftersales/aftersales/internal/auth"
)

func quoteFor(orderID string) fees.QuoteInput {
	return fees.QuoteInput{OrderID: orderID, OutletID: "OUT-1", ServiceType: fees.ServiceRepair, Category: "冰箱",
		Region: "440300", DistanceKm: 12, Parts: []fees.PartUse{{PartNo: "COMP-1", Qty: 1, ListPrice: 20000}}}
}

func (e *env) quote(t *testing.T, tok string, in fees.QuoteInput) fees.Quote {
	t.Helper()
	res := e.Do(http.MethodPost, "/api/v1/fees/quotes", tok, in)
	require.Equal(t, http.StatusCreated, res.Code, res.String())
	var q fees.Quote
	res.JSON(t, &q)
	return q
}

// deliverTo delivers the due events to svc's handlers, as another process's worker would.
func deliverTo(t *testing.T, e *env, svc *fees.Service) {
	mux := asynq.NewServeMux()
	svc.Register(mux)
	aggregatetest.Runner{DB: e.DB, Mux: mux, Colls: fees.Collections(), Now: e.Clock.Now}.RunDue(t)
}

func TestQuoteIsPricedForTheCustomerAndItsAcceptanceIsRecorded(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	agent := e.As(auth.RoleAgent)
	ctx := context.Background()

	q := e.quote(t, agent, quoteFor("SO-1"))
	assert.Equal(t, fees.QuoteOpen, q.Status)
	// 冰箱 in 440300: 90.00 labour + 20.00 travel + 230.00 part (200.00 + 15%).
	assert.Equal(t, fees.Totals{Customer: 34000, Total: 34000}, q.Totals)
	for _, l := range q.Lines {
		assert.Equal(t, fees.PayerCustomer, l.Payer)
	}
	accepted, err := e.svc.QuoteAccepted(ctx, "SO-1")
	require.NoError(t, err)
	assert.False(t, accepted)

	res := e.Do(http.MethodPost, "/api/v1/fees/quotes/"+q.ID+"/accept", agent,
		map[string]string{"accepted_by_name": "李雷", "channel": "phone"})
	require.Equal(t, http.StatusOK, res.Code, res.String())
	var got fees.Quote
	res.JSON(t, &got)
	assert.Equal(t, fees.QuoteAccepted, got.Status)
	require.NotNil(t, got.Acceptance)
	assert.Equal(t, "李雷", got.Acceptance.AcceptedByName)
	assert.Equal(t, fees.ChannelPhone, got.Acceptance.Channel)
	assert.Equal(t, auth.RoleAgent, got.Acceptance.RecordedRole)
	assert.Equal(t, e.Clock.Now(), got.Acceptance.At.UTC())
	accepted, err = e.svc.QuoteAccepted(ctx, "SO-1")
	require.NoError(t, err)
	assert.True(t, accepted)

	again := e.Do(http.MethodPost, "/api/v1/fees/quotes/"+q.ID+"/accept", agent,
		map[string]string{"accepted_by_name": "李雷", "channel": "phone"})
	assert.Equal(t, http.StatusConflict, again.Code)
}

func TestAnOrderHasAtMostOneAcceptedQuote(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	agent := e.As(auth.RoleAgent)
	first, second := e.quote(t, agent, quoteFor("SO-1")), e.quote(t, agent, quoteFor("SO-1"))
	accept := fees.AcceptInput{AcceptedByName: "王五", Channel: fees.ChannelApp}
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/fees/quotes/"+first.ID+"/accept", agent, accept).Code)
	res := e.Do(http.MethodPost, "/api/v1/fees/quotes/"+second.ID+"/accept", agent, accept)
	assert.Equal(t, http.StatusConflict, res.Code, res.String())

	var list fees.QuoteList
	e.Do(http.MethodGet, "/api/v1/fees/quotes?order_id=SO-1", agent, nil).JSON(t, &list)
	require.Len(t, list.Items, 2)
	assert.Equal(t, fees.QuoteAccepted, list.Items[0].Status)
	assert.Equal(t, fees.QuoteOpen, list.Items[1].Status)
}

func TestExpiredQuoteCannotBeAccepted(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	agent := e.As(auth.RoleAgent)
	q := e.quote(t, agent, quoteFor("SO-1"))
	e.Clock.Advance(fees.DefaultQuoteValidity + time.Minute)
	agent = e.As(auth.RoleAgent) // tokens live 15 minutes of the manual clock
	res := e.Do(http.MethodPost, "/api/v1/fees/quotes/"+q.ID+"/accept", agent,
		fees.AcceptInput{AcceptedByName: "王五", Channel: fees.ChannelApp})
	assert.Equal(t, http.StatusConflict, res.Code, res.String())
	var got fees.Quote
	e.Do(http.MethodGet, "/api/v1/fees/quotes/"+q.ID, agent, nil).JSON(t, &got)
	assert.Equal(t, fees.QuoteExpired, got.Status)
}

func TestQuoteRequestsAreValidatedAndScopedToTheOutlet(t *testing.T) {
	e := newEnv(t)
	e.defaultSchedule(t)
	agent := e.As(auth.RoleAgent)
	bad := quoteFor("")
	bad.ServiceType, bad.DistanceKm, bad.Parts[0].Qty = "teleport", -1, 0
	res := e.Do(http.MethodPost, "/api/v1/fees/quotes", agent, bad)
	require.Equal(t, http.StatusBadRequest, res.Code, res.String())
	details := res.Map(t)["details"].(map[string]any)
	for _, f := range []string{"order_id", "service_type", "distance_km", "parts[0].qty"} {
		assert.Contains(t, details, f)
	}
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, "/api/v1/fees/quotes", e.finance, quoteFor("SO-1")).Code)

	other := e.outlet("OUT-2")
	res = e.Do(http.MethodPost, "/api/v1/fees/quotes", other, quoteFor("SO-1")) // names OUT-1
	assert.Equal(t, http.StatusBadRequest, res.Code, res.String())
	assert.Equal(t, int64(0), e.Count(fees.QuotesCollection))

	q := e.quote(t, agent, quoteFor("SO-1"))
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/fees/quotes/"+q.ID, other, nil).Code)
	accept := fees.AcceptInput{AcceptedByName: "王五", Channel: fees.ChannelApp}
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, "/api/v1/fees/quotes/"+q.ID+"/accept", other, accept).Code)
	assert.Equal(t, http.StatusOK, e.Do(http.MethodGet, "/api/v1/fees/quotes/"+q.ID, e.outlet("OUT-1"), nil).Code)
	res = e.Do(http.MethodPost, "/api/v1/fees/quotes/"+q.ID+"/accept", agent, map[string]string{"accepted_by_name": "x", "channel": "fax"})
	assert.Equal(t, http.StatusBadRequest, res.Code)
	assert.Contains(t, res.Map(t)["details"], "channel")
}
