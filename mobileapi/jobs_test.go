package mobileapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/mobileapi"
	"github.com/aftersales/aftersales/orders"
)

func (e *env) job(tok, id string) mobileapi.JobView {
	e.t.Helper()
	var v mobileapi.JobView
	e.must(http.StatusOK, e.Do(http.MethodGet, "/mobile/v1/jobs/"+id, tok, nil)).JSON(e.t, &v)
	return v
}

func TestPhoneNumberIsRevealedOnlyWhileTheJobIsActive(t *testing.T) {
	e := newEnv(t)
	o := e.order(e.customer, "SN-AC-1")
	require.Equal(t, e.a.id, o.OfferTechnicianID)
	v := e.job(e.a.tok(), o.ID)
	assert.Empty(t, v.CustomerPhone, "offered, not yet taken: the job in outline")
	assert.Empty(t, v.CustomerName)
	assert.Equal(t, o.OfferID, v.OfferID)
	require.NotNil(t, v.Site)
	assert.Empty(t, v.Site.Address)
	assert.Equal(t, "Shanghai", v.Site.City)

	e.must(http.StatusOK, e.Do(http.MethodPost, "/mobile/v1/jobs/"+o.ID+"/accept", e.a.tok(), nil))
	v = e.job(e.a.tok(), o.ID)
	assert.Equal(t, "13812345678", v.CustomerPhone)
	assert.Equal(t, "Zhang San", v.CustomerName)
	assert.Contains(t, v.Site.Address, "1 Nanjing Rd")
	e.event(e.a.tok(), o.ID, "check_in", e.at(0, 10))
	assert.Equal(t, "13812345678", e.job(e.a.tok(), o.ID).CustomerPhone)
	e.sign(o.ID)
	e.must(http.StatusOK, e.Do(http.MethodPost, "/mobile/v1/jobs/"+o.ID+"/complete", e.a.tok(), completion()))
	assert.Equal(t, "138****5678", e.job(e.a.tok(), o.ID).CustomerPhone, "finished: masked again")
}

func TestDeclineNeedsAReasonAndHandsTheJobOn(t *testing.T) {
	e := newEnv(t)
	o := e.order(e.customer, "SN-AC-1")
	path := "/mobile/v1/jobs/" + o.ID + "/decline"
	e.must(http.StatusBadRequest, e.Do(http.MethodPost, path, e.a.tok(), map[string]any{}))
	e.must(http.StatusNoContent, e.Do(http.MethodPost, path, e.a.tok(), map[string]any{"reason": "van broken"}))
	e.RunDue()
	o, err := e.ord.Order(t.Context(), o.ID)
	require.NoError(t, err)
	assert.Equal(t, e.b.id, o.OfferTechnicianID, "offered to the next technician")
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/mobile/v1/jobs/"+o.ID, e.a.tok(), nil).Code, "no longer a's")
	e.must(http.StatusNotFound, e.Do(http.MethodPost, "/mobile/v1/jobs/"+o.ID+"/accept", e.a.tok(), nil))
}

func TestRescheduleNeedsAReason(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	path := "/mobile/v1/jobs/" + job + "/appointment"
	first := map[string]any{"start": "2026-03-04T01:00:00Z", "end": "2026-03-04T03:00:00Z"}
	v := mustJob(e, e.Do(http.MethodPost, path, e.a.tok(), first))
	assert.Equal(t, orders.StatusScheduled, v.Status)
	moved := map[string]any{"start": "2026-03-05T01:00:00Z", "end": "2026-03-05T03:00:00Z"}
	e.must(http.StatusBadRequest, e.Do(http.MethodPost, path, e.a.tok(), moved))
	moved["reason"] = "customer away"
	v = mustJob(e, e.Do(http.MethodPost, path, e.a.tok(), moved))
	assert.Equal(t, time.Date(2026, 3, 5, 1, 0, 0, 0, time.UTC), v.Appointment.Start.UTC())
	assert.EqualValues(t, 2, e.Count(mobileapi.AppointmentChangesCollection))
}

func mustJob(e *env, r *apiResponse) mobileapi.JobView {
	var v mobileapi.JobView
	e.must(http.StatusOK, r).JSON(e.t, &v)
	return v
}

func TestJobListsShowOnlyTheCallersJobsByDay(t *testing.T) {
	e := newEnv(t)
	today := e.jobFor(e.a, e.customer, "SN-AC-1")
	later := e.jobFor(e.a, e.other, "SN-AC-2")
	mustJob(e, e.Do(http.MethodPost, "/mobile/v1/jobs/"+later+"/appointment", e.a.tok(),
		map[string]any{"start": "2026-03-06T01:00:00Z", "end": "2026-03-06T03:00:00Z"}))
	list := func(tok, which string) []string {
		var l mobileapi.JobList
		e.must(http.StatusOK, e.Do(http.MethodGet, "/mobile/v1/jobs?list="+which, tok, nil)).JSON(t, &l)
		var out []string
		for _, j := range l.Items {
			out = append(out, j.ID)
		}
		return out
	}
	assert.Equal(t, []string{today}, list(e.a.tok(), "today"))
	assert.Equal(t, []string{later}, list(e.a.tok(), "upcoming"))
	assert.Empty(t, list(e.a.tok(), "history"))
	assert.Empty(t, list(e.b.tok(), "today"))
	e.must(http.StatusBadRequest, e.Do(http.MethodGet, "/mobile/v1/jobs?list=someday", e.a.tok(), nil))
}

func TestTechnicianSignsInByPhoneOrStaffIDAndANewDeviceIsRecorded(t *testing.T) {
	e := newEnv(t)
	_, u := e.User(auth.CreateUserInput{Role: auth.RoleTechnician, Phone: "13700001111", OutletID: e.a.u.OutletID, TechnicianID: e.a.id})
	login := func(body map[string]any) mobileapi.LoginResponse {
		var r mobileapi.LoginResponse
		e.must(http.StatusOK, e.Do(http.MethodPost, "/mobile/v1/auth/login", "", body)).JSON(t, &r)
		return r
	}
	first := login(map[string]any{"phone": "13700001111", "password": "password-for-tests", "device_id": "phone-1"})
	assert.False(t, first.NewDevice)
	again := login(map[string]any{"staff_id": u.ID, "password": "password-for-tests", "device_id": "phone-1"})
	assert.False(t, again.NewDevice)
	other := login(map[string]any{"staff_id": u.ID, "password": "password-for-tests", "device_id": "phone-2"})
	assert.True(t, other.NewDevice, "a second phone is recorded and flagged")
	devs, err := e.svc.Devices(t.Context(), e.a.id)
	require.NoError(t, err)
	assert.Len(t, devs, 2)

	e.must(http.StatusUnauthorized, e.Do(http.MethodPost, "/mobile/v1/auth/login", "",
		map[string]any{"staff_id": "USR-NOBODY", "password": "password-for-tests", "device_id": "p"}))
	e.must(http.StatusBadRequest, e.Do(http.MethodPost, "/mobile/v1/auth/login", "", map[string]any{"phone": "13700001111", "password": "x"}))
	var rotated struct {
		RefreshToken string `json:"refresh_token"`
	}
	e.must(http.StatusOK, e.Do(http.MethodPost, "/mobile/v1/auth/refresh", "", map[string]any{"refresh_token": other.RefreshToken})).JSON(t, &rotated)
	assert.NotEqual(t, other.RefreshToken, rotated.RefreshToken)
	e.must(http.StatusUnauthorized, e.Do(http.MethodPost, "/mobile/v1/auth/refresh", "", map[string]any{"refresh_token": other.RefreshToken}))
	e.must(http.StatusNoContent, e.Do(http.MethodPost, "/mobile/v1/auth/logout", "", map[string]any{"refresh_token": first.RefreshToken}))
	e.must(http.StatusUnauthorized, e.Do(http.MethodPost, "/mobile/v1/auth/refresh", "", map[string]any{"refresh_token": first.RefreshToken}))
}
