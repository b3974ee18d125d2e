package apperr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aftersales/aftersales/internal/apperr"
)

func TestStatusMapsEveryCodeOnceAndHidesOtherErrors(t *testing.T) {
	cases := map[error]int{
		apperr.NotFound("rma"):                                   http.StatusNotFound,
		apperr.VersionConflict("rma"):                            http.StatusConflict,
		fmt.Errorf("wrapped: %w", apperr.Forbidden("no")):        http.StatusForbidden,
		apperr.New(apperr.CodeTooLarge, "big"):                   http.StatusRequestEntityTooLarge,
		errors.New("mongo: connection refused to 10.0.0.3"):      http.StatusInternalServerError,
		&apperr.Error{Code: "made_up_code", Message: "whatever"}: http.StatusInternalServerError,
	}
	for err, status := range cases {
		assert.Equal(t, status, apperr.Status(err), err.Error())
	}
	pub := apperr.Public(errors.New("mongo: connection refused to 10.0.0.3"))
	assert.Equal(t, apperr.CodeInternal, pub.Code)
	assert.Equal(t, "internal error", pub.Message)
}

func TestSentinelsMatchAnyErrorOfTheirCode(t *testing.T) {
	err := fmt.Errorf("approve: %w", apperr.VersionConflict("RMA"))
	assert.ErrorIs(t, err, apperr.ErrVersionConflict)
	assert.NotErrorIs(t, err, apperr.ErrNotFound)
	assert.NotErrorIs(t, apperr.NotFound("x"), apperr.NotFound("x"), "only code-only sentinels match by code")
}

func TestFieldsCollectEveryProblemOnce(t *testing.T) {
	f := apperr.Fields{}
	f.Required("email", " ")
	f.Add("email", "second message is ignored")
	f.OneOf("role", "king", "agent", "admin")
	f.MaxLen("name", "abcdef", 3)
	f.Range("lat", 91, -90, 90)
	err := f.Err()
	var e *apperr.Error
	assert.ErrorAs(t, err, &e)
	assert.Equal(t, apperr.CodeValidation, e.Code)
	assert.Equal(t, map[string]string{"email": "is required", "role": "must be one of: agent, admin",
		"name": "must be at most 3 characters", "lat": "must be between -90 and 90"}, e.Details)
	assert.NoError(t, apperr.Fields{}.Err())
}
