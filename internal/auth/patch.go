package auth

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
)

// UpdateUserInput changes some fields of a user; absent fields stay as they are. It is
// also the PATCH request body. Version is the version the caller read: the change only
// lands on that version, so two admins editing at once cannot overwrite each other.
type UpdateUserInput struct {
	Version      int64   `json:"version" doc:"the version you read; a stale one answers 409"`
	Name         *string `json:"name,omitempty"`
	Phone        *string `json:"phone,omitempty" doc:"empty string removes it"`
	Role         *string `json:"role,omitempty" doc:"a role change clears the tier and bindings unless given too"`
	Tier         *string `json:"tier,omitempty"`
	WarehouseID  *string `json:"warehouse_id,omitempty"`
	OutletID     *string `json:"outlet_id,omitempty"`
	TechnicianID *string `json:"technician_id,omitempty"`
	Disabled     *bool   `json:"disabled,omitempty"`
	Password     *string `json:"password,omitempty"`
}

// Validate checks what can be checked without the stored user.
func (in UpdateUserInput) Validate() error {
	f := apperr.Fields{}
	if in.Version < 1 {
		f.Add("version", "is required: the version you read")
	}
	if in.Password != nil {
		checkPassword(f, *in.Password)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if in == (UpdateUserInput{Version: in.Version}) {
		return apperr.New(apperr.CodeValidation, "request changes nothing")
	}
	return nil
}

// merge returns cur with the input's changes; a new role starts without the old role's
// tier and bindings, which belong to the role.
func (in UpdateUserInput) merge(cur Profile) Profile {
	p := cur
	if in.Role != nil && *in.Role != cur.Role {
		p = Profile{Name: cur.Name, Phone: cur.Phone, Role: *in.Role}
	}
	for _, c := range []struct {
		from *string
		to   *string
	}{{in.Name, &p.Name}, {in.Phone, &p.Phone}, {in.Tier, &p.Tier},
		{in.WarehouseID, &p.WarehouseID}, {in.OutletID, &p.OutletID}, {in.TechnicianID, &p.TechnicianID}} {
		if c.from != nil {
			*c.to = *c.from
		}
	}
	return p.normalize()
}

// plan is what an update changes, worked out against the stored user.
type plan struct {
	profile  Profile
	disabled bool
	set      bson.D
	changed  []string
}

// planUpdate merges in into d and validates the result as a whole.
func planUpdate(d userDoc, in UpdateUserInput) (plan, error) {
	p := plan{profile: in.merge(d.Profile), disabled: d.Disabled}
	if in.Disabled != nil {
		p.disabled = *in.Disabled
	}
	f := apperr.Fields{}
	p.profile.check(f)
	if err := f.Err(); err != nil {
		return plan{}, err
	}
	p.diff(d)
	return p, nil
}

func (p *plan) diff(d userDoc) {
	for _, c := range []struct {
		field    string
		old, new string
	}{{"name", d.Name, p.profile.Name}, {"phone", d.Phone, p.profile.Phone}, {"role", d.Role, p.profile.Role},
		{"tier", d.Tier, p.profile.Tier}, {"warehouse_id", d.WarehouseID, p.profile.WarehouseID},
		{"outlet_id", d.OutletID, p.profile.OutletID}, {"technician_id", d.TechnicianID, p.profile.TechnicianID}} {
		if c.old != c.new {
			p.changed = append(p.changed, c.field)
			p.set = append(p.set, bson.E{Key: c.field, Value: c.new})
		}
	}
	if d.Phone != p.profile.Phone {
		p.set = append(p.set, bson.E{Key: "phone_key", Value: phoneKey(d.ID, p.profile.Phone)})
	}
	if d.Disabled != p.disabled {
		p.changed = append(p.changed, "disabled")
		p.set = append(p.set, bson.E{Key: "disabled", Value: p.disabled})
	}
}
