package complaints

import (
	"slices"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// Who may see complaints. Agents work one shared queue per tier, so every agent reads
// every complaint (a customer calling back reaches whoever answers); dispatchers read
// them for the context of the service work they route; admins for support.
var readers = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleAdmin}

var apperrForbiddenRead = apperr.Forbidden("your role may not see complaints")

func canRead(p auth.Principal) bool { return p.HasRole(readers...) }

// tierRank orders the support tiers; an unknown tier ranks below L1.
func tierRank(tier string) int { return slices.Index(auth.Tiers(), tier) }

// canWork says whether p may act on c: supervisors on any complaint, agents on those at
// or below their own tier (an L1 agent cannot resolve what was escalated to L3).
func canWork(p auth.Principal, c *Complaint) error {
	switch {
	case p.Role == auth.RoleSupervisor:
		return nil
	case p.Role == auth.RoleAgent && tierRank(p.Tier) >= tierRank(c.Tier):
		return nil
	case p.Role == auth.RoleAgent:
		return apperr.Forbidden("this complaint is at tier %s, above yours", c.Tier)
	default:
		return apperr.Forbidden("your role may not do this")
	}
}
