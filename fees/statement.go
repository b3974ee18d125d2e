package fees

import (
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
)

// Statement statuses: draft → submitted (outlet confirms) → approved → paid, or
// disputed line by line → adjusted → approved → paid.
const (
	StatusDraft     = "draft"
	StatusSubmitted = "submitted"
	StatusDisputed  = "disputed"
	StatusAdjusted  = "adjusted"
	StatusApproved  = "approved"
	StatusPaid      = "paid"
)

// Statuses lists the statement statuses in lifecycle order.
func Statuses() []string {
	return []string{StatusDraft, StatusSubmitted, StatusDisputed, StatusAdjusted, StatusApproved, StatusPaid}
}

// Statement line statuses.
const (
	LineOK       = "ok"
	LineDisputed = "disputed"
	LineAdjusted = "adjusted"
)

// StatementLine is one priced job the brand owes the outlet for. A value object: the
// same shape stored and served.
type StatementLine struct {
	LineNo         int        `json:"line_no" bson:"line_no"`
	OrderID        string     `json:"order_id" bson:"order_id"`
	Description    string     `json:"description" bson:"description"`
	CompletedAt    time.Time  `json:"completed_at" bson:"completed_at"`
	Amount         int64      `json:"amount" bson:"amount" doc:"as priced, minor units"`
	Status         string     `json:"status" bson:"status" doc:"ok, disputed or adjusted"`
	DisputeReason  string     `json:"dispute_reason,omitempty" bson:"dispute_reason,omitempty"`
	DisputedBy     string     `json:"disputed_by,omitempty" bson:"disputed_by,omitempty"`
	AdjustedAmount *int64     `json:"adjusted_amount,omitempty" bson:"adjusted_amount,omitempty"`
	AdjustedBy     string     `json:"adjusted_by,omitempty" bson:"adjusted_by,omitempty"`
	AdjustedReason string     `json:"adjusted_reason,omitempty" bson:"adjusted_reason,omitempty"`
	AdjustedAt     *time.Time `json:"adjusted_at,omitempty" bson:"adjusted_at,omitempty"`
}

// Effective is what the line counts for in the total: the adjusted amount once there
// is one, else the priced amount (also while disputed: a dispute alone changes nothing).
func (l StatementLine) Effective() int64 {
	if l.AdjustedAmount != nil {
		return *l.AdjustedAmount
	}
	return l.Amount
}

// sumLines is the total of lines; every write that changes lines stores it alongside.
func sumLines(lines []StatementLine) int64 {
	var t int64
	for _, l := range lines {
		t += l.Effective()
	}
	return t
}

// StatementSummary is a statement without its lines, for lists.
type StatementSummary struct {
	ID            string     `json:"id"`
	OutletID      string     `json:"outlet_id"`
	Period        string     `json:"period" doc:"calendar month YYYY-MM in Asia/Shanghai"`
	Status        string     `json:"status"`
	Currency      string     `json:"currency"`
	Total         int64      `json:"total" doc:"sum of the lines' effective amounts, minor units"`
	LineCount     int        `json:"line_count"`
	DisputedLines int        `json:"disputed_lines"`
	SubmittedBy   string     `json:"submitted_by,omitempty"`
	SubmittedAt   *time.Time `json:"submitted_at,omitempty"`
	ApprovedBy    string     `json:"approved_by,omitempty"`
	ApprovedAt    *time.Time `json:"approved_at,omitempty"`
	PaidBy        string     `json:"paid_by,omitempty"`
	PaidAt        *time.Time `json:"paid_at,omitempty"`
	PaymentRef    string     `json:"payment_ref,omitempty"`
	Revision      int64      `json:"revision" doc:"send it back as version to act only on what you read"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Statement is what the brand owes one outlet for one period.
type Statement struct {
	StatementSummary
	Lines   []StatementLine   `json:"lines"`
	History []aggregate.Entry `json:"history"`
}

// statementDoc is a statement as stored; Key (outlet|period) is unique, so generating
// a period twice yields one statement.
type statementDoc struct {
	ID             string          `bson:"_id"`
	Key            string          `bson:"key"`
	OutletID       string          `bson:"outlet_id"`
	Period         string          `bson:"period"`
	Status         string          `bson:"status"`
	Currency       string          `bson:"currency"`
	Lines          []StatementLine `bson:"lines"`
	Total          int64           `bson:"total"`
	LineCount      int             `bson:"line_count"`
	DisputedLines  int             `bson:"disputed_lines"`
	SubmittedBy    string          `bson:"submitted_by,omitempty"`
	SubmittedAt    *time.Time      `bson:"submitted_at,omitempty"`
	ApprovedBy     string          `bson:"approved_by,omitempty"`
	ApprovedAt     *time.Time      `bson:"approved_at,omitempty"`
	PaidBy         string          `bson:"paid_by,omitempty"`
	PaidAt         *time.Time      `bson:"paid_at,omitempty"`
	PaymentRef     string          `bson:"payment_ref,omitempty"`
	aggregate.Base `bson:",inline"`
}

func statementKey(outletID, period string) string { return outletID + "|" + period }

func (d statementDoc) summary() StatementSummary {
	return StatementSummary{ID: d.ID, OutletID: d.OutletID, Period: d.Period, Status: d.Status, Currency: d.Currency,
		Total: d.Total, LineCount: d.LineCount, DisputedLines: d.DisputedLines, SubmittedBy: d.SubmittedBy,
		SubmittedAt: d.SubmittedAt, ApprovedBy: d.ApprovedBy, ApprovedAt: d.ApprovedAt, PaidBy: d.PaidBy,
		PaidAt: d.PaidAt, PaymentRef: d.PaymentRef, Revision: d.Base.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func (d statementDoc) toStatement() Statement {
	lines := d.Lines
	if lines == nil {
		lines = []StatementLine{}
	}
	return Statement{StatementSummary: d.summary(), Lines: lines, History: d.History}
}

func (d statementDoc) hasOrder(orderID string) bool {
	for _, l := range d.Lines {
		if l.OrderID == orderID {
			return true
		}
	}
	return false
}
