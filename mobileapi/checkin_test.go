package mobileapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/mobileapi"
	"github.com/aftersales/aftersales/orders"
)

func (e *env) event(tok, job, typ string, body map[string]any) mobileapi.VisitEvent {
	e.t.Helper()
	var ev mobileapi.VisitEvent
	e.must(http.StatusCreated, e.Do(http.MethodPost, "/mobile/v1/jobs/"+job+"/"+typ, tok, body)).JSON(e.t, &ev)
	return ev
}

func TestCheckInTwoKilometresFromTheSiteIsAcceptedAndFlagged(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	ev := e.event(e.a.tok(), job, "check_in", e.at(2, 10))
	assert.Equal(t, []string{mobileapi.FlagOutsideGeofence}, ev.Flags)
	require.NotNil(t, ev.Metrics.DistanceM)
	assert.InDelta(t, 2000, *ev.Metrics.DistanceM, 5)
	assert.Equal(t, orders.StatusOnSite, ev.OrderStatus, "the order moves on all the same")
	assert.Equal(t, orders.StatusOnSite, e.status(job))
	assert.Equal(t, e.Clock.Now().UTC(), ev.ServerTime.UTC())
	assert.Equal(t, "device-"+e.a.u.ID, ev.DeviceID, "the device id comes from the token")
	assert.EqualValues(t, 1, e.Count(mobileapi.VisitEventsCollection))
}

func TestEnRouteFarFromTheSiteIsNotOutsideTheGeofence(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	ev := e.event(e.a.tok(), job, "en_route", e.at(5, 10))
	assert.Empty(t, ev.Flags, "leaving for the site is away from it by definition")
	require.NotNil(t, ev.Metrics.DistanceM)
	assert.InDelta(t, 5000, *ev.Metrics.DistanceM, 10, "the distance is still recorded")
}

func TestCheckInAtTheSiteRaisesNoFlag(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	ev := e.event(e.a.tok(), job, "check_in", e.at(0.1, 20))
	assert.Empty(t, ev.Flags)
	assert.InDelta(t, 100, *ev.Metrics.DistanceM, 2)
}

func TestCheckInOneMinuteAfterACheckInHundredKilometresAwayIsImpossibleTravel(t *testing.T) {
	e := newEnv(t)
	elsewhere := e.jobFor(e.a, e.other, "SN-AC-2")
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	first := e.event(e.a.tok(), elsewhere, "check_in", e.at(100, 10))
	assert.Contains(t, first.Flags, mobileapi.FlagOutsideGeofence)
	assert.NotContains(t, first.Flags, mobileapi.FlagImpossibleTravel, "nothing before it")
	e.Clock.Advance(time.Minute)
	ev := e.event(e.a.tok(), job, "check_in", e.at(0, 10))
	assert.Equal(t, []string{mobileapi.FlagImpossibleTravel}, ev.Flags)
	require.NotNil(t, ev.Metrics.SpeedKmh)
	assert.InDelta(t, 6000, *ev.Metrics.SpeedKmh, 10)

	e.Clock.Advance(2 * time.Hour) // 100 km in two hours is a drive
	late := e.event(e.a.tok(), job, "check_out", e.at(100, 10))
	assert.NotContains(t, late.Flags, mobileapi.FlagImpossibleTravel)
}

func TestPoorAccuracyAndDeviceClockSkewAreFlaggedWithTheirNumbers(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	body := e.at(0, 250)
	body["device_time"] = e.Clock.Now().Add(-7 * time.Minute).Format(time.RFC3339)
	ev := e.event(e.a.tok(), job, "en_route", body)
	assert.ElementsMatch(t, []string{mobileapi.FlagPoorAccuracy, mobileapi.FlagClockSkew}, ev.Flags)
	assert.InDelta(t, -420, *ev.Metrics.SkewS, 0.1)
	assert.Equal(t, orders.StatusEnRoute, e.status(job))
}

func TestIdenticalCoordinatesAtAnotherSiteAreFlagged(t *testing.T) {
	e := newEnv(t)
	first := e.jobFor(e.a, e.customer, "SN-AC-1")
	second := e.jobFor(e.a, e.other, "SN-AC-2") // another customer's address: another site
	body := map[string]any{"lat": 31.2311234, "lon": 121.4741234, "accuracy_m": 5.0, "device_time": e.Clock.Now().Format(time.RFC3339)}
	ev := e.event(e.a.tok(), first, "check_in", body)
	assert.NotContains(t, ev.Flags, mobileapi.FlagCoordinatesReuse)
	e.Clock.Advance(time.Hour)
	body["device_time"] = e.Clock.Now().Format(time.RFC3339)
	ev = e.event(e.a.tok(), second, "check_in", body)
	assert.Contains(t, ev.Flags, mobileapi.FlagCoordinatesReuse)
	assert.Equal(t, first, ev.Metrics.ReusedOrder)
	e.Clock.Advance(time.Hour)
	body["device_time"] = e.Clock.Now().Format(time.RFC3339)
	ev = e.event(e.a.tok(), second, "check_in", body)
	assert.Contains(t, ev.Flags, mobileapi.FlagCoordinatesReuse, "still the first site's coordinates")
}

func TestShortVisitIsFlaggedAtCheckOutAndAttendanceRollsUp(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	e.event(e.a.tok(), job, "check_in", e.at(0, 10))
	e.Clock.Advance(3 * time.Minute)
	out := e.event(e.a.tok(), job, "check_out", e.at(0, 10))
	assert.Equal(t, []string{mobileapi.FlagShortVisit}, out.Flags)
	assert.InDelta(t, 3, *out.Metrics.OnSiteMin, 0.01)
	assert.Empty(t, out.OrderStatus, "a check-out moves no order")

	second := e.jobFor(e.a, e.other, "SN-AC-2")
	e.Clock.Advance(time.Hour)
	e.event(e.a.tok(), second, "check_in", e.at(0.0005, 10)) // the same building, not the same fix
	e.Clock.Advance(45 * time.Minute)
	out = e.event(e.a.tok(), second, "check_out", e.at(0, 10))
	assert.Empty(t, out.Flags)

	var day mobileapi.Attendance
	e.must(http.StatusOK, e.Do(http.MethodGet, "/mobile/v1/attendance/2026-03-02", e.a.tok(), nil)).JSON(t, &day)
	assert.Equal(t, 4, day.Events)
	assert.Equal(t, 1, day.FlaggedEvents)
	assert.Equal(t, map[string]int{mobileapi.FlagShortVisit: 1}, day.FlagCounts)
	assert.Equal(t, time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC), day.FirstCheckIn.UTC())
	assert.Equal(t, e.Clock.Now().UTC(), day.LastCheckOut.UTC())
	assert.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/mobile/v1/attendance/2026-03-02", e.b.tok(), nil).Code,
		"b has no day of its own and never sees a's")
}

func TestEventIsKeptWhenTheOrderCannotMove(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	e.event(e.a.tok(), job, "check_in", e.at(0, 10))
	again := e.event(e.a.tok(), job, "en_route", e.at(0, 10))
	assert.NotEmpty(t, again.OrderError, "on site cannot go back en route")
	assert.Empty(t, again.OrderStatus)
	assert.Equal(t, orders.StatusOnSite, e.status(job))
	assert.EqualValues(t, 2, e.Count(mobileapi.VisitEventsCollection))
}

func TestBadEventIsRefusedWithEveryFieldAndNothingWritten(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	r := e.must(http.StatusBadRequest, e.Do(http.MethodPost, "/mobile/v1/jobs/"+job+"/check_in", e.a.tok(),
		map[string]any{"lat": 91.0, "device_time": "yesterday"}))
	var body struct{ Details map[string]string }
	r.JSON(t, &body)
	assert.Equal(t, []string{"accuracy_m", "device_time", "lat", "lon"}, keys(body.Details))
	assert.Zero(t, e.Count(mobileapi.VisitEventsCollection))
	assert.Equal(t, orders.StatusAccepted, e.status(job))
}
