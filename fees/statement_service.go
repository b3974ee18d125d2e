package fees

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

const maxReasonLen = 500

// ActionInput is the body of a statement action without further data. Version, when
// sent, makes the action land only on the revision the caller read.
type ActionInput struct {
	Version int64  `json:"version,omitempty" doc:"the revision you read; omit to act on the latest"`
	Note    string `json:"note,omitempty"`
}

// Validate checks the note's length.
func (in ActionInput) Validate() error {
	f := apperr.Fields{}
	f.MaxLen("note", in.Note, maxReasonLen)
	return f.Err()
}

// DisputeLine disputes one line with a reason.
type DisputeLine struct {
	LineNo int    `json:"line_no"`
	Reason string `json:"reason"`
}

// DisputeInput disputes lines of a statement.
type DisputeInput struct {
	Version int64         `json:"version,omitempty"`
	Lines   []DisputeLine `json:"lines"`
}

// Validate reports every problem with the lines.
func (in DisputeInput) Validate() error {
	f := apperr.Fields{}
	lineNos(f, len(in.Lines), func(i int) int { return in.Lines[i].LineNo })
	for i, l := range in.Lines {
		reason(f, fmt.Sprintf("lines[%d].reason", i), l.Reason)
	}
	return f.Err()
}

// AdjustLine sets a disputed line's amount, with why.
type AdjustLine struct {
	LineNo int    `json:"line_no"`
	Amount int64  `json:"amount" doc:"the settled amount, minor units"`
	Reason string `json:"reason"`
}

// AdjustInput adjusts disputed lines of a statement.
type AdjustInput struct {
	Version int64        `json:"version,omitempty"`
	Lines   []AdjustLine `json:"lines"`
}

// Validate reports every problem with the lines.
func (in AdjustInput) Validate() error {
	f := apperr.Fields{}
	lineNos(f, len(in.Lines), func(i int) int { return in.Lines[i].LineNo })
	for i, l := range in.Lines {
		reason(f, fmt.Sprintf("lines[%d].reason", i), l.Reason)
		amountField(f, fmt.Sprintf("lines[%d].amount", i), l.Amount)
	}
	return f.Err()
}

// PayInput records a payment.
type PayInput struct {
	Version    int64  `json:"version,omitempty"`
	PaymentRef string `json:"payment_ref" doc:"the bank transfer or voucher reference"`
}

// Validate requires the reference.
func (in PayInput) Validate() error {
	f := apperr.Fields{}
	textField(f, "payment_ref", in.PaymentRef)
	return f.Err()
}

func lineNos(f apperr.Fields, n int, lineNo func(int) int) {
	if n == 0 {
		f.Add("lines", "must name at least one line")
	}
	seen := map[int]bool{}
	for i := range n {
		no := lineNo(i)
		path := fmt.Sprintf("lines[%d].line_no", i)
		if no < 1 {
			f.Add(path, "must be a line number from 1")
		} else if seen[no] {
			f.Add(path, "names line %d twice", no)
		}
		seen[no] = true
	}
}

func reason(f apperr.Fields, path, v string) {
	if f.Required(path, v) {
		f.MaxLen(path, v, maxReasonLen)
	}
}

// Submit is the outlet confirming its draft statement.
func (s *Service) Submit(ctx context.Context, p auth.Principal, id string, in ActionInput) (Statement, error) {
	if err := in.Validate(); err != nil {
		return Statement{}, err
	}
	return s.act(ctx, p, id, in.Version, actSubmit, func(d statementDoc) (action, change, error) {
		now := s.clock.Now()
		return actSubmit, change{set: bson.D{{Key: "submitted_by", Value: p.UserID}, {Key: "submitted_at", Value: now}}, note: in.Note}, nil
	})
}

// Dispute marks lines disputed with reasons. Finance disputes submitted (or adjusted)
// statements; an outlet may dispute lines of its draft, which confirms the other lines.
func (s *Service) Dispute(ctx context.Context, p auth.Principal, id string, in DisputeInput) (Statement, error) {
	if err := in.Validate(); err != nil {
		return Statement{}, err
	}
	probe := actDispute
	if p.Role == auth.RoleOutlet {
		probe = actOutletDispute
	}
	return s.act(ctx, p, id, in.Version, probe, func(d statementDoc) (action, change, error) {
		lines := slices.Clone(d.Lines)
		var notes []string
		for i, dl := range in.Lines {
			l, err := lineAt(lines, dl.LineNo, i)
			if err != nil {
				return "", change{}, err
			}
			if l.Status == LineDisputed {
				return "", change{}, apperr.Conflict("line %d is already disputed", dl.LineNo)
			}
			l.Status, l.DisputeReason, l.DisputedBy = LineDisputed, dl.Reason, p.UserID
			notes = append(notes, fmt.Sprintf("line %d: %s", dl.LineNo, dl.Reason))
		}
		ch := change{lines: lines, note: strings.Join(notes, "; ")}
		if probe == actOutletDispute {
			ch.set = bson.D{{Key: "submitted_by", Value: p.UserID}, {Key: "submitted_at", Value: s.clock.Now()}}
		}
		return probe, ch, nil
	})
}

// Adjust settles disputed lines at new amounts, recording who and why. The statement
// is adjusted once no line is left disputed.
func (s *Service) Adjust(ctx context.Context, p auth.Principal, id string, in AdjustInput) (Statement, error) {
	if err := in.Validate(); err != nil {
		return Statement{}, err
	}
	return s.act(ctx, p, id, in.Version, actAdjust, func(d statementDoc) (action, change, error) {
		lines := slices.Clone(d.Lines)
		now := s.clock.Now()
		var notes []string
		for i, al := range in.Lines {
			l, err := lineAt(lines, al.LineNo, i)
			if err != nil {
				return "", change{}, err
			}
			if l.Status != LineDisputed {
				return "", change{}, apperr.Conflict("line %d is not disputed; only disputed lines are adjusted", al.LineNo)
			}
			amount := al.Amount
			l.Status, l.AdjustedAmount, l.AdjustedBy, l.AdjustedReason, l.AdjustedAt = LineAdjusted, &amount, p.UserID, al.Reason, &now
			notes = append(notes, fmt.Sprintf("line %d: %s -> %s (%s)", al.LineNo,
				Decimal(l.Amount, d.Currency), Decimal(amount, d.Currency), al.Reason))
		}
		act := actAdjust
		if slices.ContainsFunc(lines, func(l StatementLine) bool { return l.Status == LineDisputed }) {
			act = actAdjustPartial
		}
		return act, change{lines: lines, note: strings.Join(notes, "; ")}, nil
	})
}

// Approve is finance approving a submitted or adjusted statement for payment; the
// outlet it pays can never approve it.
func (s *Service) Approve(ctx context.Context, p auth.Principal, id string, in ActionInput) (Statement, error) {
	if err := in.Validate(); err != nil {
		return Statement{}, err
	}
	return s.act(ctx, p, id, in.Version, actApprove, func(d statementDoc) (action, change, error) {
		return actApprove, change{set: bson.D{{Key: "approved_by", Value: p.UserID}, {Key: "approved_at", Value: s.clock.Now()}}, note: in.Note}, nil
	})
}

// Pay records the payment of an approved statement; a paid statement never changes.
func (s *Service) Pay(ctx context.Context, p auth.Principal, id string, in PayInput) (Statement, error) {
	if err := in.Validate(); err != nil {
		return Statement{}, err
	}
	return s.act(ctx, p, id, in.Version, actPay, func(d statementDoc) (action, change, error) {
		set := bson.D{{Key: "paid_by", Value: p.UserID}, {Key: "paid_at", Value: s.clock.Now()}, {Key: "payment_ref", Value: in.PaymentRef}}
		return actPay, change{set: set, note: in.PaymentRef}, nil
	})
}

// act loads a statement the caller may see (404 otherwise), checks the revision they
// read, checks probe against the state machine (403 for the role, 409 for the status)
// before any line-level problem, then lets plan build the change and applies it.
func (s *Service) act(ctx context.Context, p auth.Principal, id string, version int64, probe action,
	plan func(statementDoc) (action, change, error)) (Statement, error) {
	d, err := s.loadStatement(ctx, p, id)
	if err != nil {
		return Statement{}, err
	}
	if version != 0 && version != d.Base.Version {
		return Statement{}, apperr.VersionConflict("statement")
	}
	if _, err := check(p, d, probe); err != nil {
		return Statement{}, err
	}
	act, ch, err := plan(d)
	if err != nil {
		return Statement{}, err
	}
	if err := s.move(ctx, p, d, act, ch); err != nil {
		return Statement{}, err
	}
	return s.GetStatement(ctx, p, id)
}

// lineAt returns a pointer to line no of lines, or a validation error on lines[i].
func lineAt(lines []StatementLine, no, i int) (*StatementLine, error) {
	for k := range lines {
		if lines[k].LineNo == no {
			return &lines[k], nil
		}
	}
	return nil, apperr.Fields{fmt.Sprintf("lines[%d].line_no", i): fmt.Sprintf("the statement has no line %d", no)}.Err()
}

// GetStatement returns a statement the caller may see.
func (s *Service) GetStatement(ctx context.Context, p auth.Principal, id string) (Statement, error) {
	d, err := s.loadStatement(ctx, p, id)
	if err != nil {
		return Statement{}, err
	}
	return d.toStatement(), nil
}

func (s *Service) loadStatement(ctx context.Context, p auth.Principal, id string) (statementDoc, error) {
	var d statementDoc
	if err := s.statements.Load(ctx, id, &d); err != nil {
		return d, err
	}
	if !sees(p, d.OutletID) {
		return statementDoc{}, apperr.NotFound("statement")
	}
	return d, nil
}

// StatementFilter narrows the statement list; empty fields do not filter.
type StatementFilter struct {
	Status, Period, OutletID string
}

// ListStatements pages through statements the caller may see; an outlet sees only its own.
func (s *Service) ListStatements(ctx context.Context, p auth.Principal, f StatementFilter, page httpx.Page) (httpx.PageResult[StatementSummary], error) {
	if outletBound(p) {
		f.OutletID = p.OutletID
	}
	filter := bson.D{}
	for _, kv := range [][2]string{{"status", f.Status}, {"period", f.Period}, {"outlet_id", f.OutletID}} {
		if kv[1] != "" {
			filter = append(filter, bson.E{Key: kv[0], Value: kv[1]})
		}
	}
	var docs []statementDoc
	if err := s.statements.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(statementListProjection)); err != nil {
		return httpx.PageResult[StatementSummary]{}, err
	}
	out := make([]StatementSummary, len(docs))
	for i, d := range docs {
		out[i] = d.summary()
	}
	return httpx.NewPageResult(out, page.Limit, func(s StatementSummary) string { return s.ID }), nil
}

var statementListProjection = bson.D{{Key: "lines", Value: 0}, {Key: "history", Value: 0},
	{Key: "outbox", Value: 0}, {Key: "outbox_dead", Value: 0}}

func (s *Service) periodStatements(ctx context.Context, period string) ([]StatementSummary, error) {
	var docs []statementDoc
	if err := s.statements.Collection().Find(ctx, bson.D{{Key: "period", Value: period}}, &docs,
		options.Find().SetProjection(statementListProjection)); err != nil {
		return nil, err
	}
	out := make([]StatementSummary, len(docs))
	for i, d := range docs {
		out[i] = d.summary()
	}
	slices.SortFunc(out, func(a, b StatementSummary) int { return strings.Compare(a.OutletID, b.OutletID) })
	return out, nil
}
