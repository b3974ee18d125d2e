package apitest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/auth"
)

func TestEnvServesAuthAndIssuesTokensPerRole(t *testing.T) {
	e := apitest.New(t)
	admin := e.As(auth.RoleAdmin)
	agent := e.As(auth.RoleAgent)

	assert.Equal(t, http.StatusOK, e.Do(http.MethodGet, "/api/v1/admin/users", admin, nil).Code)
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodGet, "/api/v1/admin/users", agent, nil).Code)
	assert.Equal(t, int64(2), e.Count("users"))
	assert.Equal(t, []string{"auth:user_created", "auth:user_created"}, e.RunDue())
	assert.Empty(t, e.RunDue(), "delivered events leave the outbox")
}
