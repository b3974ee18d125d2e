package auth

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
)

func TestAdminEndpointsRefuseOtherRoles(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(agent("a@example.com"))
	agentToken := e.login("a@example.com", userPassword).AccessToken

	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{http.MethodPost, "/api/v1/admin/users", agent("b@example.com")},
		{http.MethodGet, "/api/v1/admin/users", nil},
		{http.MethodGet, "/api/v1/admin/users/" + u.ID, nil},
		{http.MethodPatch, "/api/v1/admin/users/" + u.ID, UpdateUserInput{Version: 1, Role: ptr(RoleAdmin)}},
	} {
		w := e.do(tc.method, tc.path, agentToken, tc.body)
		assert.Equal(t, http.StatusForbidden, w.Code, tc.method+" "+tc.path)
		assert.Equal(t, apperr.CodeForbidden, errorBody(t, w).Code)
		assert.Equal(t, http.StatusUnauthorized, e.do(tc.method, tc.path, "", tc.body).Code, "no token: "+tc.method+" "+tc.path)
	}
	assert.Equal(t, int64(2), e.count(UsersCollection, bson.D{}), "nothing was created")
	got := e.do(http.MethodGet, "/api/v1/auth/me", agentToken, nil)
	assert.Equal(t, RoleAgent, decodeBody[User](t, got).Role, "the agent is still an agent")
}

func TestAdminCreatesUsersWithTheirBindings(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		in   CreateUserInput
		want func(User) bool
	}{
		{"agent gets L1 by default", agent("a1@example.com"), func(u User) bool { return u.Tier == TierL1 }},
		{"agent at L2", CreateUserInput{Email: "a2@example.com", Password: userPassword, Name: "A2", Role: RoleAgent, Tier: "l2"},
			func(u User) bool { return u.Tier == TierL2 }},
		{"warehouse", CreateUserInput{Email: "w@example.com", Password: userPassword, Name: "W", Role: RoleWarehouse, WarehouseID: "WH-1"},
			func(u User) bool { return u.WarehouseID == "WH-1" }},
		{"outlet", CreateUserInput{Email: "o@example.com", Password: userPassword, Name: "O", Role: RoleOutlet, OutletID: "OUT-1"},
			func(u User) bool { return u.OutletID == "OUT-1" }},
		{"technician", CreateUserInput{Email: "T@Example.com", Password: userPassword, Name: "T", Role: RoleTechnician,
			TechnicianID: "TEC-1", OutletID: "OUT-1", Phone: "13800000001"},
			func(u User) bool {
				return u.TechnicianID == "TEC-1" && u.OutletID == "OUT-1" && u.Email == "t@example.com"
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := e.createUser(tc.in)
			assert.True(t, tc.want(u), "%+v", u)
			assert.Equal(t, int64(1), u.Version)

			w := e.do(http.MethodGet, "/api/v1/admin/users/"+u.ID, e.adminToken(), nil)
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, u, decodeBody[User](t, w))
			assert.NotContains(t, w.Body.String(), "password")
			assert.Equal(t, u.ID, e.login(tc.in.Email, tc.in.Password).User.ID, "the new user can sign in")
		})
	}
}

func TestCreateUserRejectsBadBodiesAndWritesNothing(t *testing.T) {
	e := newEnv(t)
	token := e.adminToken()
	for _, tc := range []struct {
		name   string
		body   string
		fields []string // the details a client gets; none for malformed JSON
	}{
		{"empty object", `{}`, []string{"email", "password", "name", "role"}},
		{"unknown role", `{"email":"x@example.com","password":"long-enough-pw","name":"X","role":"boss"}`, []string{"role"}},
		{"wrong type", `{"email":5,"password":"long-enough-pw","name":"X","role":"agent"}`, []string{"email"}},
		{"unknown field", `{"email":"x@example.com","password":"long-enough-pw","name":"X","role":"agent","admin":true}`, []string{"admin"}},
		{"bad email and short password", `{"email":"x@","password":"short","name":"X","role":"agent"}`, []string{"email", "password"}},
		{"tier outside the enum", `{"email":"x@example.com","password":"long-enough-pw","name":"X","role":"agent","tier":"L9"}`, []string{"tier"}},
		{"tier on a non-agent", `{"email":"x@example.com","password":"long-enough-pw","name":"X","role":"finance","tier":"L2"}`, []string{"tier"}},
		{"warehouse without its warehouse", `{"email":"x@example.com","password":"long-enough-pw","name":"X","role":"warehouse"}`, []string{"warehouse_id"}},
		{"technician without outlet", `{"email":"x@example.com","password":"long-enough-pw","name":"X","role":"technician","technician_id":"TEC-1"}`, []string{"outlet_id"}},
		{"binding of another role", `{"email":"x@example.com","password":"long-enough-pw","name":"X","role":"agent","outlet_id":"OUT-1"}`, []string{"outlet_id"}},
		{"bad phone", `{"email":"x@example.com","password":"long-enough-pw","name":"X","role":"agent","phone":"call me"}`, []string{"phone"}},
		{"malformed JSON", `{"email":`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e.do(http.MethodPost, "/api/v1/admin/users", token, tc.body)
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			b := errorBody(t, w)
			keys := make([]string, 0, len(b.Details))
			for k := range b.Details {
				keys = append(keys, k)
			}
			assert.ElementsMatch(t, tc.fields, keys, "%v", b.Details)
		})
	}
	assert.Equal(t, int64(1), e.count(UsersCollection, bson.D{}), "only the admin exists")
}

func TestCreateUserWithATakenEmailConflicts(t *testing.T) {
	e := newEnv(t)
	e.createUser(CreateUserInput{Email: "a@example.com", Password: userPassword, Name: "A", Role: RoleAgent, Phone: "13800000001"})
	for _, tc := range []struct {
		name  string
		in    CreateUserInput
		field string
	}{
		{"email in other case", agent("A@EXAMPLE.COM"), "email"},
		{"phone", CreateUserInput{Email: "b@example.com", Password: userPassword, Name: "B", Role: RoleAgent, Phone: "138-0000-0001"}, "phone"},
	} {
		w := e.do(http.MethodPost, "/api/v1/admin/users", e.adminToken(), tc.in)
		assert.Equal(t, http.StatusConflict, w.Code, tc.name)
		assert.Contains(t, errorBody(t, w).Details, tc.field, tc.name)
	}
	assert.Equal(t, int64(2), e.count(UsersCollection, bson.D{}))
}

func TestListUsersPagesByIDAndFiltersByRole(t *testing.T) {
	e := newEnv(t)
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com"} {
		e.createUser(agent(email))
	}
	e.createUser(CreateUserInput{Email: "f@example.com", Password: userPassword, Name: "F", Role: RoleFinance})
	token := e.adminToken()

	var seen []string
	path := "/api/v1/admin/users?limit=2"
	for pages := 0; path != ""; pages++ {
		require.Less(t, pages, 3, "six users in pages of two")
		w := e.do(http.MethodGet, path, token, nil)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		page := decodeBody[UserList](t, w)
		for _, u := range page.Items {
			seen = append(seen, u.ID)
		}
		path = ""
		if page.NextCursor != "" {
			path = "/api/v1/admin/users?limit=2&cursor=" + page.NextCursor
		}
	}
	assert.Len(t, seen, 6)
	assert.IsIncreasing(t, seen)

	w := e.do(http.MethodGet, "/api/v1/admin/users?role=finance", token, nil)
	require.Equal(t, http.StatusOK, w.Code)
	page := decodeBody[UserList](t, w)
	require.Len(t, page.Items, 1)
	assert.Equal(t, RoleFinance, page.Items[0].Role)
	assert.Empty(t, page.NextCursor)

	for _, q := range []string{"?limit=0", "?limit=201", "?role=boss", "?cursor=!!"} {
		assert.Equal(t, http.StatusBadRequest, e.do(http.MethodGet, "/api/v1/admin/users"+q, token, nil).Code, q)
	}
}

func TestPatchUserChangesRoleWithItsBindings(t *testing.T) {
	e := newEnv(t)
	token := e.adminToken()
	u := e.createUser(CreateUserInput{Email: "a@example.com", Password: userPassword, Name: "A", Role: RoleAgent, Tier: TierL2})
	path := "/api/v1/admin/users/" + u.ID

	w := e.do(http.MethodPatch, path, token, UpdateUserInput{Version: u.Version, Role: ptr(RoleWarehouse)})
	require.Equal(t, http.StatusBadRequest, w.Code)
	assert.Contains(t, errorBody(t, w).Details, "warehouse_id")

	w = e.do(http.MethodPatch, path, token, UpdateUserInput{Version: u.Version, Role: ptr(RoleWarehouse), WarehouseID: ptr("WH-9")})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	got := decodeBody[User](t, w)
	assert.Equal(t, RoleWarehouse, got.Role)
	assert.Equal(t, "WH-9", got.WarehouseID)
	assert.Empty(t, got.Tier, "the agent tier went with the agent role")
	assert.Equal(t, u.Version+1, got.Version)

	w = e.do(http.MethodPatch, path, token, UpdateUserInput{Version: u.Version, Name: ptr("Stale")})
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.Equal(t, apperr.CodeVersionConflict, errorBody(t, w).Code)

	w = e.do(http.MethodPatch, path, token, UpdateUserInput{Version: got.Version, Password: ptr("a-brand-new-password")})
	require.Equal(t, http.StatusOK, w.Code)
	e.login("a@example.com", "a-brand-new-password")
}

func TestPatchUserRejectsBadBodies(t *testing.T) {
	e := newEnv(t)
	token := e.adminToken()
	u := e.createUser(agent("a@example.com"))
	for _, tc := range []struct{ name, body, field string }{
		{"no version", `{"name":"B"}`, "version"},
		{"version of the wrong type", `{"version":"1","name":"B"}`, "version"},
		{"unknown field", `{"version":1,"email":"b@example.com"}`, "email"},
		{"short password", `{"version":1,"password":"short"}`, "password"},
		{"unknown role", `{"version":1,"role":"boss"}`, "role"},
		{"nothing to change", `{"version":1}`, ""},
	} {
		w := e.do(http.MethodPatch, "/api/v1/admin/users/"+u.ID, token, tc.body)
		assert.Equal(t, http.StatusBadRequest, w.Code, tc.name)
		if tc.field != "" {
			assert.Contains(t, errorBody(t, w).Details, tc.field, tc.name)
		}
	}
	assert.Equal(t, http.StatusNotFound, e.do(http.MethodPatch, "/api/v1/admin/users/USR-NOPE", token, `{"version":1,"name":"B"}`).Code)
	got := e.do(http.MethodGet, "/api/v1/admin/users/"+u.ID, token, nil)
	assert.Equal(t, u, decodeBody[User](t, got), "nothing changed")
}

func TestAdminCannotDemoteOrDisableThemselves(t *testing.T) {
	e := newEnv(t)
	s := e.login(adminEmail, adminPassword)
	for _, body := range []UpdateUserInput{
		{Version: s.User.Version, Role: ptr(RoleAgent)},
		{Version: s.User.Version, Disabled: ptr(true)},
	} {
		w := e.do(http.MethodPatch, "/api/v1/admin/users/"+s.User.ID, s.AccessToken, body)
		assert.Equal(t, http.StatusForbidden, w.Code)
	}
	w := e.do(http.MethodPatch, "/api/v1/admin/users/"+s.User.ID, s.AccessToken, UpdateUserInput{Version: s.User.Version, Name: ptr("Root")})
	assert.Equal(t, http.StatusOK, w.Code, "other changes to oneself are fine")
}
