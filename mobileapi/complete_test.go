package mobileapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/mobileapi"
	"github.com/aftersales/aftersales/orders"
)

func completion(parts ...map[string]any) map[string]any {
	body := map[string]any{"resolution_code": "part_replaced", "fault_found": "compressor relay", "work_done": "replaced relay"}
	if len(parts) > 0 {
		body["parts"] = parts
	}
	return body
}

// sign uploads the customer's signature to job and returns its id.
func (e *env) sign(job string) string {
	e.t.Helper()
	var ph mobileapi.Photo
	e.must(http.StatusCreated, e.Do(http.MethodPut, "/mobile/v1/jobs/"+job+"/signature", e.a.tok(), pngOf(300, 2), "Content-Type", "image/png")).JSON(e.t, &ph)
	return ph.ID
}

func TestCompletionNeedsTheSignatureAndConsumesEachPartOnce(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	e.event(e.a.tok(), job, "check_in", e.at(0, 10))
	path := "/mobile/v1/jobs/" + job + "/complete"
	part := map[string]any{"part_no": "RELAY-1", "new_serial": "RL-NEW-1", "defective_serial": "RL-OLD-1"}

	r := e.must(http.StatusBadRequest, e.Do(http.MethodPost, path, e.a.tok(), completion(part)))
	assert.Contains(t, r.String(), "signature_id")
	assert.Zero(t, e.parts.count(), "nothing consumed without the signature")

	sig := e.sign(job)
	v := mustJob(e, e.Do(http.MethodPost, path, e.a.tok(), completion(part)))
	assert.Equal(t, orders.StatusCompleted, v.Status)
	assert.Equal(t, 1, e.parts.count())
	o, err := e.ord.Order(t.Context(), job)
	require.NoError(t, err)
	assert.Equal(t, sig, o.Completion.SignatureRef)
	assert.Equal(t, []string{"RL-NEW-1"}, o.Completion.PartsConsumed)

	e.must(http.StatusConflict, e.Do(http.MethodPost, path, e.a.tok(), completion(part)))
	assert.Equal(t, 1, e.parts.count(), "a retried completion does not consume the part again")
}

func TestCompletionStopsAtAPartThatCannotBeConsumed(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	e.event(e.a.tok(), job, "check_in", e.at(0, 10))
	e.sign(job)
	r := e.must(http.StatusConflict, e.Do(http.MethodPost, "/mobile/v1/jobs/"+job+"/complete", e.a.tok(),
		completion(map[string]any{"part_no": "RELAY-1"}, map[string]any{"part_no": "NO-STOCK"})))
	assert.Contains(t, r.String(), "parts[1]")
	assert.Equal(t, orders.StatusOnSite, e.status(job))
	mustJob(e, e.Do(http.MethodPost, "/mobile/v1/jobs/"+job+"/complete", e.a.tok(), completion(map[string]any{"part_no": "RELAY-1"})))
	assert.Equal(t, 1, e.parts.count(), "the part recorded by the failed attempt is not consumed twice")
}

func TestCompletionWithoutSignatureWhenConfiguredOptional(t *testing.T) {
	e := newEnvWith(t, mobileapi.Config{SignatureOptional: true})
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	e.event(e.a.tok(), job, "check_in", e.at(0, 10))
	v := mustJob(e, e.Do(http.MethodPost, "/mobile/v1/jobs/"+job+"/complete", e.a.tok(), completion()))
	assert.Equal(t, orders.StatusCompleted, v.Status)
}
