package fees

import (
	"context"
	"errors"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// action is one step of a statement; it is also the history entry's action.
type action string

// Actions on statements.
const (
	actAddLines      action = "lines_added"     // jobs priced into a draft
	actSubmit        action = "submitted"       // the outlet confirms its draft
	actOutletDispute action = "outlet_disputed" // the outlet confirms its draft except disputed lines
	actDispute       action = "disputed"        // finance disputes lines
	actAdjustPartial action = "adjusted_partly" // finance adjusts lines; others stay disputed
	actAdjust        action = "adjusted"        // finance adjusts the last disputed lines
	actApprove       action = "approved"        // finance approves for payment
	actPay           action = "paid"            // finance records the payment
)

var (
	outletRoles  = []string{auth.RoleOutlet}
	financeRoles = []string{auth.RoleFinance}
	systemRoles  = []string{aggregate.System.Role, auth.RoleFinance}
)

// rule says who may take an action and, per status it is allowed from, where it leads.
type rule struct {
	roles []string
	to    map[string]string
}

func to(target string, from ...string) map[string]string {
	m := map[string]string{}
	for _, s := range from {
		m[s] = target
	}
	return m
}

// machine is the statement lifecycle. A paid statement appears in no "from" list: it
// is immutable, and every change to it answers 409.
var machine = map[action]rule{
	actAddLines:      {systemRoles, to(StatusDraft, StatusDraft)},
	actSubmit:        {outletRoles, to(StatusSubmitted, StatusDraft)},
	actOutletDispute: {outletRoles, to(StatusDisputed, StatusDraft)},
	actDispute:       {financeRoles, to(StatusDisputed, StatusSubmitted, StatusDisputed, StatusAdjusted)},
	actAdjustPartial: {financeRoles, to(StatusDisputed, StatusDisputed)},
	actAdjust:        {financeRoles, to(StatusAdjusted, StatusDisputed)},
	actApprove:       {financeRoles, to(StatusApproved, StatusSubmitted, StatusAdjusted)},
	actPay:           {financeRoles, to(StatusPaid, StatusApproved)},
}

// change is what an action writes besides the status, the version and the history.
type change struct {
	set   bson.D
	lines []StatementLine // when not nil, replaces the lines and recomputes the total
	note  string
}

// check reports whether p may take act on d now: 403 for a role that may never take
// it, 409 for a status it is not allowed from. The caller has checked visibility.
func check(p auth.Principal, d statementDoc, act action) (string, error) {
	r, ok := machine[act]
	if !ok {
		return "", errors.New("fees: no rule for statement action " + string(act))
	}
	if !slices.Contains(r.roles, p.Role) {
		return "", apperr.Forbidden("your role may not do this to a statement")
	}
	next, ok := r.to[d.Status]
	if !ok {
		return "", apperr.Conflict("a %s statement cannot be %s", d.Status, humanAction(act))
	}
	return next, nil
}

// move applies act to d as one conditional update on d's version and status: role
// check, precondition, new status, lines with their recomputed total, and history.
func (s *Service) move(ctx context.Context, p auth.Principal, d statementDoc, act action, ch change) error {
	next, err := check(p, d, act)
	if err != nil {
		return err
	}
	set := append(bson.D{{Key: "status", Value: next}}, ch.set...)
	if ch.lines != nil {
		set = append(set, linesSet(ch.lines)...)
	}
	return s.statements.Apply(ctx, aggregate.Change{
		ID: d.ID, Version: d.Base.Version, Where: bson.D{{Key: "status", Value: d.Status}}, Set: set,
		Entry: aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: string(act), From: d.Status, To: next, Note: ch.note},
	})
}

// linesSet is the $set of lines with the figures derived from them, written together
// so the stored total always equals the sum of the stored lines.
func linesSet(lines []StatementLine) bson.D {
	disputed := 0
	for _, l := range lines {
		if l.Status == LineDisputed {
			disputed++
		}
	}
	return bson.D{{Key: "lines", Value: lines}, {Key: "total", Value: sumLines(lines)},
		{Key: "line_count", Value: len(lines)}, {Key: "disputed_lines", Value: disputed}}
}

func humanAction(a action) string {
	switch a {
	case actAddLines:
		return "given new lines"
	case actOutletDispute, actDispute:
		return "disputed"
	case actAdjust, actAdjustPartial:
		return "adjusted"
	default:
		return string(a)
	}
}
