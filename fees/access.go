package fees

import (
	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/auth"
)

// System is the caller for work the server does on its own behalf (pricing a completed
// order, the periodic statement run).
var System = auth.Principal{UserID: aggregate.System.ID, Role: aggregate.System.Role}

// outletBound reports whether p only sees one outlet's objects.
func outletBound(p auth.Principal) bool {
	return p.Role == auth.RoleOutlet || p.Role == auth.RoleTechnician
}

// sees reports whether p may see an object belonging to outletID. Callers answer 404
// when it does not, so an outlet cannot learn that another outlet's object exists.
func sees(p auth.Principal, outletID string) bool {
	if outletBound(p) {
		return p.OutletID != "" && p.OutletID == outletID
	}
	return true
}

// seesSchedule is sees, plus the default schedule, which every outlet is priced by
// when it has no schedule of its own.
func seesSchedule(p auth.Principal, outletID string) bool {
	return outletID == "" || sees(p, outletID)
}
