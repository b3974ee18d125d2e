// Package auth owns who may call the API: user accounts and their roles and bindings,
// password login, signed access tokens with rotating refresh tokens, and the Gin
// middleware that turns a token into a Principal and checks its role.
//
// Every route declares its roles in its openapi.Operation and Guard turns that into
// middleware, so a route cannot be registered without saying who may call it.
package auth

import (
	"context"
	"slices"

	"github.com/aftersales/aftersales/internal/aggregate"
)

// Roles a user can hold (DESIGN §10).
const (
	RoleAgent      = "agent"      // after-sales agent, with a support tier
	RoleSupervisor = "supervisor" // receives escalations
	RoleDispatcher = "dispatcher" // assigns service work
	RoleWarehouse  = "warehouse"  // bound to one warehouse
	RoleOutlet     = "outlet"     // outlet manager, bound to one outlet
	RoleTechnician = "technician" // bound to a technician record and its outlet
	RoleFinance    = "finance"    // reconciles fees and settlements
	RoleAdmin      = "admin"      // manages users and the system
)

// Roles lists every role.
func Roles() []string {
	return []string{RoleAgent, RoleSupervisor, RoleDispatcher, RoleWarehouse,
		RoleOutlet, RoleTechnician, RoleFinance, RoleAdmin}
}

// Support tiers of agents.
const (
	TierL1 = "L1"
	TierL2 = "L2"
	TierL3 = "L3"
)

// Tiers lists the support tiers, lowest first.
func Tiers() []string { return []string{TierL1, TierL2, TierL3} }

// Token audiences: the staff API and the technicians' mobile API accept only their own.
const (
	AudStaff  = "staff"
	AudMobile = "mobile"
)

// Audiences lists the token audiences.
func Audiences() []string { return []string{AudStaff, AudMobile} }

// Principal is the authenticated caller of a request, as its access token describes it.
type Principal struct {
	UserID       string
	Role         string
	Tier         string
	WarehouseID  string
	OutletID     string
	TechnicianID string
	DeviceID     string
	Audience     string
}

// HasRole reports whether the principal holds one of roles.
func (p Principal) HasRole(roles ...string) bool { return slices.Contains(roles, p.Role) }

// Actor is the principal as the author of an aggregate change.
func (p Principal) Actor() aggregate.Actor { return aggregate.Actor{ID: p.UserID, Role: p.Role} }

type principalKey struct{}

// WithPrincipal returns ctx carrying p; Authenticate puts it on every request's context so
// services can check object-level access without importing gin.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal on ctx, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
