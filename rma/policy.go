package rma

import (
	"errors"
	"time"

	"github.com/aftersales/aftersales/registry"
)

// Policy is the return policy in force. Zero fields take DefaultPolicy's.
type Policy struct {
	// NoReasonReturnDays is the change-of-mind window from delivery; a product's own
	// return window (registry ReturnWindowDays) replaces it.
	NoReasonReturnDays int
	// QualityExchangeDays is the window for returning or exchanging defective, wrong or
	// damaged goods, and for refund-only claims; never shorter than the product's window.
	QualityExchangeDays int
	// ClaimsCheckAfter is when the check that repairs an RMA whose creator died between
	// its insert and its claims runs.
	ClaimsCheckAfter time.Duration
}

// DefaultPolicy is the handbook's policy: 7 days no-reason return, 15 days quality exchange.
var DefaultPolicy = Policy{NoReasonReturnDays: 7, QualityExchangeDays: 15, ClaimsCheckAfter: time.Minute}

func (p Policy) withDefaults() Policy {
	if p.NoReasonReturnDays == 0 {
		p.NoReasonReturnDays = DefaultPolicy.NoReasonReturnDays
	}
	if p.QualityExchangeDays == 0 {
		p.QualityExchangeDays = DefaultPolicy.QualityExchangeDays
	}
	if p.ClaimsCheckAfter == 0 {
		p.ClaimsCheckAfter = DefaultPolicy.ClaimsCheckAfter
	}
	return p
}

// Check refuses a policy that cannot work.
func (p Policy) Check() error {
	if p.NoReasonReturnDays < 1 || p.QualityExchangeDays < 1 || p.ClaimsCheckAfter < 0 {
		return errors.New("rma: policy windows must be at least one day")
	}
	return nil
}

// Reasons a line is not eligible.
const (
	IneligibleReturnWindow  = "return_window_passed"  // the no-reason window is over
	IneligibleQualityWindow = "quality_window_passed" // the quality window is over
	IneligibleCondition     = "condition_not_returnable"
	IneligibleWarranty      = "out_of_warranty"
	IneligibleReason        = "reason_not_accepted" // the reason does not fit the RMA type
)

// PolicyResult is the policy check of one line, kept on the line.
type PolicyResult struct {
	Eligible          bool      `bson:"eligible" json:"eligible"`
	Reasons           []string  `bson:"reasons" json:"reasons" doc:"why not eligible: return_window_passed, quality_window_passed, condition_not_returnable, out_of_warranty, reason_not_accepted"`
	InWarranty        bool      `bson:"in_warranty" json:"in_warranty"`
	WarrantyEnd       time.Time `bson:"warranty_end" json:"warranty_end"`
	DaysSinceDelivery int       `bson:"days_since_delivery" json:"days_since_delivery" doc:"whole days elapsed"`
	WindowDays        int       `bson:"window_days" json:"window_days" doc:"the window that applied; 0 when none did"`
	CheckedAt         time.Time `bson:"checked_at" json:"checked_at"`
}

// lineFacts is what the check needs to know about a line.
type lineFacts struct {
	DeliveredAt time.Time
	WarrantyEnd time.Time
	Product     registry.Product
	Condition   string
}

// check applies the policy to a line of an RMA of type t for reason at now. A window
// runs from delivery and ends exclusively, like a warranty: 7 days after a delivery at
// 10:00 the no-reason return ends at 10:00.
func (p Policy) check(t Type, reason string, f lineFacts, now time.Time) PolicyResult {
	r := PolicyResult{InWarranty: now.Before(f.WarrantyEnd), WarrantyEnd: f.WarrantyEnd, CheckedAt: now,
		DaysSinceDelivery: int(now.Sub(f.DeliveredAt).Hours() / 24), Reasons: []string{}}
	noReason, quality := p.windows(f.Product)
	within := func(days int, why string) {
		r.WindowDays = days
		if !now.Before(f.DeliveredAt.AddDate(0, 0, days)) {
			r.Reasons = append(r.Reasons, why)
		}
	}
	switch {
	case t == TypeDepotRepair:
		if !r.InWarranty {
			r.Reasons = append(r.Reasons, IneligibleWarranty)
		}
		if reason == ReasonNoReason {
			r.Reasons = append(r.Reasons, IneligibleReason)
		}
	case reason == ReasonNoReason && t == TypeRefundOnly, reason == ReasonMissingItem && t != TypeRefundOnly:
		r.Reasons = append(r.Reasons, IneligibleReason)
	case reason == ReasonNoReason:
		within(noReason, IneligibleReturnWindow)
		if f.Condition != ConditionUnopened && f.Condition != ConditionOpened {
			r.Reasons = append(r.Reasons, IneligibleCondition)
		}
	default:
		within(quality, IneligibleQualityWindow)
	}
	r.Eligible = len(r.Reasons) == 0
	return r
}

// windows are the no-reason and quality windows in days for product.
func (p Policy) windows(product registry.Product) (int, int) {
	noReason, quality := p.NoReasonReturnDays, p.QualityExchangeDays
	if product.ReturnWindowDays > 0 {
		noReason = product.ReturnWindowDays
		quality = max(quality, noReason)
	}
	return noReason, quality
}
