package complaints_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestClassifyDerivesClassFromCategoryChannelAndFlags(t *testing.T) {
	for _, tc := range []struct {
		name     string
		category string
		channel  string
		flags    []string
		want     string
	}{
		{"social media is public opinion", "service_attitude", "social_media", nil, complaints.ClassPublicOpinion},
		{"social media outranks a loss", "damaged", "social_media", nil, complaints.ClassPublicOpinion},
		{"media flag on any channel", "invoice", "phone", []string{"media"}, complaints.ClassPublicOpinion},
		{"unusable service is a system fault", "other", "app", []string{"service_unusable"}, complaints.ClassSystemFault},
		{"system fault outranks a loss", "damaged", "app", []string{"service_unusable"}, complaints.ClassSystemFault},
		{"media outranks system fault", "other", "app", []string{"service_unusable", "media"}, complaints.ClassPublicOpinion},
		{"damaged is serious", "damaged", "phone", nil, complaints.ClassSerious},
		{"wrong item is serious", "wrong_item", "email", nil, complaints.ClassSerious},
		{"missing item is serious", "missing_item", "chat", nil, complaints.ClassSerious},
		{"refund delay is serious", "refund_delay", "marketplace", nil, complaints.ClassSerious},
		{"loss flag makes any category serious", "late_delivery", "phone", []string{"loss_involved"}, complaints.ClassSerious},
		{"quality fault without loss is general", "quality_fault", "phone", nil, complaints.ClassGeneral},
		{"attitude is general", "service_attitude", "chat", nil, complaints.ClassGeneral},
		{"app channel alone is general", "invoice", "app", nil, complaints.ClassGeneral},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, complaints.Classify(tc.category, tc.channel, tc.flags))
		})
	}
}

func TestComplaintOnSocialMediaIsPublicOpinionWithOneAndTwentyFourHourClocks(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("channel", "social_media"))

	assert.Equal(t, complaints.ClassPublicOpinion, c.Class)
	assert.Equal(t, apitest.Start.Add(time.Hour), c.ResponseDue)
	assert.Equal(t, apitest.Start.Add(24*time.Hour), c.ResolutionDue)
	assert.Equal(t, complaints.StatusOpen, c.Status)
	assert.Equal(t, auth.TierL1, c.Tier)
}

func TestDamagedComplaintIsSeriousWithTwelveAndTwentyFourHourClocks(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("category", "damaged"))

	assert.Equal(t, complaints.ClassSerious, c.Class)
	assert.Equal(t, apitest.Start.Add(12*time.Hour), c.ResponseDue)
	assert.Equal(t, apitest.Start.Add(24*time.Hour), c.ResolutionDue)
}

func TestSeriousAndPublicOpinionComplaintsAreReportedToSupervisorsAtCreation(t *testing.T) {
	e := newEnv(t)
	serious := e.create(with("category", "damaged"))
	public := e.create(with("channel", "social_media"))
	general := e.create()
	ran := e.RunDue()
	assert.Equal(t, 2, count(complaints.TypeAlert, ran), "one report per serious or public complaint: %v", ran)

	reported := map[string]string{}
	for _, a := range e.alerts(e.supervisor, "kind=reported") {
		assert.Equal(t, complaints.ToSupervisors, a.To)
		reported[a.ComplaintID] = a.Class
	}
	assert.Equal(t, map[string]string{serious.ID: complaints.ClassSerious, public.ID: complaints.ClassPublicOpinion}, reported)
	assert.NotContains(t, reported, general.ID)
	assert.Empty(t, e.alerts(e.agent, "kind=reported"), "reports are for supervisors")
}

func TestCustomPolicyChangesTheClocks(t *testing.T) {
	p := complaints.DefaultPolicy()
	p.Targets[complaints.ClassGeneral] = complaints.Targets{Response: 2 * time.Hour, Resolution: 8 * time.Hour}
	e := newEnvWith(t, p)
	c := e.create()

	assert.Equal(t, apitest.Start.Add(2*time.Hour), c.ResponseDue)
	assert.Equal(t, apitest.Start.Add(8*time.Hour), c.ResolutionDue)
}

func TestPolicyCheckRefusesMissingClassesAndBadFractions(t *testing.T) {
	p := complaints.DefaultPolicy()
	delete(p.Targets, complaints.ClassSystemFault)
	assert.Error(t, p.Check())
	p = complaints.DefaultPolicy()
	p.WarnAt = []float64{0.5, 1.2}
	assert.Error(t, p.Check())
	assert.NoError(t, complaints.DefaultPolicy().Check())
}
