package complaints_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestListFiltersComplaints(t *testing.T) {
	e := newEnv(t)
	general := e.create()
	e.Clock.Advance(2 * time.Hour)
	serious := e.create(with("category", "damaged"), with("channel", "email"))
	e.Clock.Advance(2 * time.Hour)
	public := e.create(with("channel", "social_media"), with("customer_id", e.other))
	e.act(e.agent, serious.ID, "assign", map[string]any{"agent_id": e.agent.ID})
	e.act(e.agent, general.ID, "respond", map[string]any{"message": "looking into it"})
	e.act(e.agent, public.ID, "escalate", map[string]any{"to_tier": "L2", "reason": "press involved"})
	e.advanceTo(apitest.Start.Add(5*time.Hour + time.Minute)) // public's 1 h response clock has breached

	for query, want := range map[string][]string{
		"":                       {general.ID, serious.ID, public.ID},
		"status=in_progress":     {general.ID},
		"status=open":            {serious.ID, public.ID},
		"class=serious":          {serious.ID},
		"class=public_opinion":   {public.ID},
		"tier=L2":                {public.ID},
		"tier=L1":                {general.ID, serious.ID},
		"assignee=me":            {serious.ID},
		"assignee=" + e.agent.ID: {serious.ID},
		"assignee=none":          {general.ID, public.ID},
		"breached=true":          {public.ID},
		"breached=false":         {general.ID, serious.ID},
		"channel=email":          {serious.ID},
		"customer_id=" + e.other: {public.ID},
		"from=" + enc(apitest.Start.Add(time.Hour)):                                                {serious.ID, public.ID},
		"to=" + enc(apitest.Start.Add(4*time.Hour)):                                                {general.ID, serious.ID},
		"from=" + enc(apitest.Start.Add(time.Hour)) + "&to=" + enc(apitest.Start.Add(3*time.Hour)): {serious.ID},
		"from=2026-03-02&status=open&class=serious":                                                {serious.ID},
	} {
		assert.Equal(t, want, e.list(e.agent, query), query)
	}
}

func enc(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }

func TestListPaginatesWithACursor(t *testing.T) {
	e := newEnv(t)
	var want []string
	for range 5 {
		want = append(want, e.create().ID)
	}
	var got []string
	path, pages := "/api/v1/complaints?limit=2", 0
	for ; path != "" && pages < 5; pages++ {
		var page complaints.ComplaintList
		e.must(http.StatusOK, e.Do(http.MethodGet, path, e.agent.tok(), nil)).JSON(t, &page)
		for _, c := range page.Items {
			got = append(got, c.ID)
			assert.Empty(t, c.History, "lists leave the history out")
		}
		path = ""
		if page.NextCursor != "" {
			path = "/api/v1/complaints?limit=2&cursor=" + page.NextCursor
		}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3, pages)
}

func TestListRefusesUnknownFilterValuesWithDetails(t *testing.T) {
	e := newEnv(t)
	r := e.Do(http.MethodGet, "/api/v1/complaints?status=lost&class=vip&tier=L9&channel=fax&breached=maybe&from=yesterday&limit=0", e.agent.tok(), nil)
	assert.Equal(t, http.StatusBadRequest, r.Code)
	assert.Equal(t, map[string]string{"limit": "must be an integer from 1 to 200"}, details(t, r), "paging is checked first")
	r = e.Do(http.MethodGet, "/api/v1/complaints?status=lost&class=vip&tier=L9&channel=fax&breached=maybe&from=yesterday", e.agent.tok(), nil)
	assert.Equal(t, map[string]string{
		"status":   "must be one of: open, in_progress, awaiting_work, resolved, closed, reopened, cancelled",
		"class":    "must be one of: general, serious, system_fault, public_opinion",
		"tier":     "must be one of: L1, L2, L3",
		"channel":  "must be one of: phone, email, chat, app, marketplace, social_media",
		"breached": "must be true or false",
		"from":     "must be an RFC 3339 time like 2026-03-02T09:00:00+08:00, or a date like 2026-03-02",
	}, details(t, r))
	r = e.Do(http.MethodGet, "/api/v1/complaints?from=2026-03-03&to=2026-03-02", e.agent.tok(), nil)
	assert.Equal(t, map[string]string{"to": "must be after from"}, details(t, r))
}

func TestRolesThatDoNotHandleComplaintsCannotSeeThem(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	wh, _ := e.User(auth.CreateUserInput{Role: auth.RoleWarehouse, WarehouseID: "WH-1"})
	outlet, _ := e.User(auth.CreateUserInput{Role: auth.RoleOutlet, OutletID: "OUT-1"})
	finance := e.As(auth.RoleFinance)
	for name, tok := range map[string]string{"warehouse": wh, "outlet": outlet, "finance": finance} {
		assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/complaints", tok, nil).Code, name)
		assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/complaints/"+c.ID, tok, nil).Code, name)
		assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/follow-ups", tok, nil).Code, name)
	}
	tech, _ := e.User(auth.CreateUserInput{Role: auth.RoleTechnician, TechnicianID: "TEC-1", OutletID: "OUT-1"})
	assert.Equal(t, http.StatusUnauthorized, e.Do(http.MethodGet, "/api/v1/complaints", tech, nil).Code, "mobile tokens are not for the staff API")

	for _, role := range []string{auth.RoleDispatcher, auth.RoleAdmin} {
		assert.Equal(t, http.StatusOK, e.Do(http.MethodGet, "/api/v1/complaints/"+c.ID, e.As(role), nil).Code, role)
		r := e.Do(http.MethodPost, "/api/v1/complaints/"+c.ID+"/respond", e.As(role), map[string]any{"message": "hi"})
		assert.Equal(t, http.StatusForbidden, r.Code, "%s reads but does not handle complaints", role)
	}
}

func TestDetailShowsHistoryAndTheCustomersPhoneToAgents(t *testing.T) {
	e := newEnv(t)
	c := e.create()
	e.act(e.agent, c.ID, "respond", map[string]any{"message": "we are on it"})
	got := e.get(c.ID)
	assert.Equal(t, complaints.CustomerRef{ID: e.customer, Name: "Zhang San", Phone: "13812345678"}, got.Customer)
	require.Len(t, got.History, 2)
	assert.Equal(t, "we are on it", got.History[1].Note)
	assert.Equal(t, e.agent.ID, got.History[1].Actor)
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/complaints/CMP-NOPE", e.agent.tok(), nil).Code)
}

func TestViewMasksThePhoneForRolesThatDoNotNeedIt(t *testing.T) {
	c := &complaints.Complaint{ID: "CMP-1", CustomerID: "CUS-1", CustomerName: "Zhang San", CustomerPhone: "13812345678"}
	assert.Equal(t, "138****5678", complaints.View(c, auth.RoleFinance, false).Customer.Phone)
	assert.Equal(t, "138****5678", complaints.View(c, auth.RoleOutlet, false).Customer.Phone)
	assert.Equal(t, "13812345678", complaints.View(c, auth.RoleAgent, false).Customer.Phone)
}
