package fees

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// maxRoll bounds how many periods late jobs roll forward in one pass.
const maxRoll = 24

// GenerateStatements puts every settleable job of period (brand-paid work of an
// outlet not yet on a statement) on its outlet's statement, creating the statement when
// there is none. It is idempotent: generating a period again yields the same
// statements. Jobs whose statement has left draft roll to the next period.
func (s *Service) GenerateStatements(ctx context.Context, p auth.Principal, period string) ([]StatementSummary, error) {
	if !slices.Contains(systemRoles, p.Role) {
		return nil, apperr.Forbidden("your role may not generate statements")
	}
	if err := s.validPeriod(period); err != nil {
		return nil, err
	}
	pairs, err := s.unsettled(ctx, bson.D{{Key: "settle_period", Value: period}})
	if err != nil {
		return nil, err
	}
	for _, pr := range pairs {
		if err := s.settle(ctx, p, pr[0], pr[1], true, 0); err != nil {
			return nil, err
		}
	}
	return s.periodStatements(ctx, period)
}

func (s *Service) validPeriod(period string) error {
	if _, ok := parsePeriod(period); !ok {
		return apperr.Fields{"period": "must be a month YYYY-MM"}.Err()
	}
	if period > Period(s.clock.Now()) {
		return apperr.Fields{"period": "must not be in the future"}.Err()
	}
	return nil
}

// unsettled returns the (outlet, settle period) pairs that have settleable jobs not yet
// on a statement, narrowed by extra.
func (s *Service) unsettled(ctx context.Context, extra bson.D) ([][2]string, error) {
	filter := append(bson.D{{Key: "statement_id", Value: ""}, {Key: "brand_total", Value: bson.D{{Key: "$gt", Value: 0}}},
		{Key: "outlet_id", Value: bson.D{{Key: "$ne", Value: ""}}}}, extra...)
	var docs []struct {
		OutletID     string `bson:"outlet_id"`
		SettlePeriod string `bson:"settle_period"`
	}
	opts := options.Find().SetProjection(bson.D{{Key: "outlet_id", Value: 1}, {Key: "settle_period", Value: 1}})
	if err := s.jobs.Collection().Find(ctx, filter, &docs, opts); err != nil {
		return nil, err
	}
	seen := map[[2]string]bool{}
	var out [][2]string
	for _, d := range docs {
		k := [2]string{d.OutletID, d.SettlePeriod}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[1]+a[0], b[1]+b[0]) })
	return out, nil
}

// settle brings the statement of (outletID, period) up to date with the outlet's
// unattached jobs of that period: it creates the statement (when create), adds lines to
// a draft, or rolls the jobs to the next period when the statement has left draft.
// Each step is idempotent per order id, so a crash between steps heals on the next run.
func (s *Service) settle(ctx context.Context, p auth.Principal, outletID, period string, create bool, depth int) error {
	for attempt := 0; attempt < 5; attempt++ {
		jobs, err := s.unattachedJobs(ctx, outletID, period)
		if err != nil {
			return err
		}
		st, found, err := s.statementByKey(ctx, outletID, period)
		switch {
		case err != nil:
			return err
		case !found && (!create || len(jobs) == 0):
			return nil // the periodic run or finance creates it later
		case !found:
			id, placed, err := s.createStatement(ctx, p, outletID, period, jobs)
			if errors.Is(err, apperr.ErrConflict) {
				continue // generated concurrently: add to that one
			}
			if err != nil {
				return err
			}
			return s.markJobs(ctx, id, placed)
		case st.Status == StatusDraft:
			placed, err := s.addLines(ctx, p, st, jobs)
			if errors.Is(err, apperr.ErrVersionConflict) || errors.Is(err, apperr.ErrConflict) {
				continue // the draft moved on meanwhile: look again
			}
			if err != nil {
				return err
			}
			return s.markJobs(ctx, st.ID, placed)
		default:
			return s.settleLate(ctx, p, st, jobs, depth)
		}
	}
	return apperr.VersionConflict("statement")
}

// settleLate handles jobs of a period whose statement has left draft. Jobs already on
// it (an interrupted run added them) are marked, never rolled: rolling them would
// settle them twice. The others roll to the next period.
func (s *Service) settleLate(ctx context.Context, p auth.Principal, st statementDoc, jobs []pricedDoc, depth int) error {
	var on, late []pricedDoc
	for _, j := range jobs {
		if st.hasOrder(j.ID) {
			on = append(on, j)
		} else {
			late = append(late, j)
		}
	}
	if err := s.markJobs(ctx, st.ID, on); err != nil {
		return err
	}
	return s.roll(ctx, p, st.OutletID, st.Period, late, depth)
}

// roll moves jobs whose period's statement has left draft to the next period, and puts
// them on that period's statement at once if it exists.
func (s *Service) roll(ctx context.Context, p auth.Principal, outletID, period string, jobs []pricedDoc, depth int) error {
	if len(jobs) == 0 || depth >= maxRoll {
		return nil
	}
	next := nextPeriod(period)
	for _, j := range jobs {
		err := s.changeJob(ctx, j, func(j pricedDoc) (aggregate.Change, bool) {
			return aggregate.Change{Set: bson.D{{Key: "settle_period", Value: next}},
				Where: bson.D{{Key: "statement_id", Value: ""}, {Key: "settle_period", Value: period}},
				Entry: aggregate.Entry{Actor: aggregate.System.ID, Role: aggregate.System.Role, Action: "rolled_to_next_period",
					From: period, To: next, Note: "the statement of " + period + " had left draft"},
			}, j.StatementID == "" && j.SettlePeriod == period
		})
		if err != nil {
			return err
		}
	}
	return s.settle(ctx, p, outletID, next, false, depth+1)
}

func (s *Service) unattachedJobs(ctx context.Context, outletID, period string) ([]pricedDoc, error) {
	var docs []pricedDoc
	filter := bson.D{{Key: "outlet_id", Value: outletID}, {Key: "settle_period", Value: period},
		{Key: "statement_id", Value: ""}, {Key: "brand_total", Value: bson.D{{Key: "$gt", Value: 0}}}}
	opts := options.Find().SetProjection(scheduleProjection)
	if err := s.jobs.Collection().Find(ctx, filter, &docs, opts); err != nil {
		return nil, err
	}
	slices.SortFunc(docs, func(a, b pricedDoc) int {
		if c := a.CompletedAt.Compare(b.CompletedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return docs, nil
}

func (s *Service) statementByKey(ctx context.Context, outletID, period string) (statementDoc, bool, error) {
	var d statementDoc
	err := s.statements.Collection().FindOne(ctx, bson.D{{Key: "key", Value: statementKey(outletID, period)}}, &d)
	if errors.Is(err, mongox.ErrNotFound) {
		return d, false, nil
	}
	return d, err == nil, err
}

// createStatement creates the draft of (outletID, period) with jobs as its lines, in the
// currency of the first job; it returns the jobs it placed.
func (s *Service) createStatement(ctx context.Context, p auth.Principal, outletID, period string, jobs []pricedDoc) (string, []pricedDoc, error) {
	d := statementDoc{ID: ids.New("ST"), Key: statementKey(outletID, period), OutletID: outletID, Period: period,
		Status: StatusDraft, Currency: jobs[0].Currency}
	lines, placed := s.newLines(d, jobs)
	d.Lines, d.Total, d.LineCount = lines, sumLines(lines), len(lines)
	entry := aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "generated", To: StatusDraft,
		Note: fmt.Sprintf("%d lines", len(lines))}
	return d.ID, placed, s.statements.Create(ctx, d.ID, d, entry)
}

// addLines adds the jobs not yet on draft d as new lines; it returns every job that is
// on d afterwards (including those an earlier, interrupted run had added).
func (s *Service) addLines(ctx context.Context, p auth.Principal, d statementDoc, jobs []pricedDoc) ([]pricedDoc, error) {
	var fresh, already []pricedDoc
	for _, j := range jobs {
		if d.hasOrder(j.ID) {
			already = append(already, j)
		} else {
			fresh = append(fresh, j)
		}
	}
	lines, placed := s.newLines(d, fresh)
	if len(placed) == 0 {
		return already, nil
	}
	err := s.move(ctx, p, d, actAddLines, change{lines: append(slices.Clone(d.Lines), lines...),
		note: fmt.Sprintf("%d lines", len(placed))})
	return append(already, placed...), err
}

// newLines numbers jobs as lines after d's; a job in another currency than d stays off
// (logged for finance: one statement has one currency).
func (s *Service) newLines(d statementDoc, jobs []pricedDoc) ([]StatementLine, []pricedDoc) {
	var lines []StatementLine
	var placed []pricedDoc
	for _, j := range jobs {
		if j.Currency != d.Currency {
			s.log.Warn("priced job not settled: its currency differs from the statement's",
				"order_id", j.ID, "currency", j.Currency, "statement", d.ID, "statement_currency", d.Currency)
			continue
		}
		lines = append(lines, StatementLine{LineNo: len(d.Lines) + len(lines) + 1, OrderID: j.ID,
			Description: describeJob(j, d.Period), CompletedAt: j.CompletedAt, Amount: j.BrandTotal, Status: LineOK})
		placed = append(placed, j)
	}
	return lines, placed
}

// markJobs records the statement on each job, so no later run settles it twice.
func (s *Service) markJobs(ctx context.Context, statementID string, jobs []pricedDoc) error {
	for _, j := range jobs {
		err := s.changeJob(ctx, j, func(j pricedDoc) (aggregate.Change, bool) {
			return aggregate.Change{Set: bson.D{{Key: "statement_id", Value: statementID}},
				Where: bson.D{{Key: "statement_id", Value: ""}},
				Entry: aggregate.Entry{Actor: aggregate.System.ID, Role: aggregate.System.Role, Action: "settled", Note: statementID},
			}, j.StatementID == ""
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// changeJob applies the change build makes for the job's current state, re-reading the
// job after a lost race; build returns false once the job no longer needs it.
func (s *Service) changeJob(ctx context.Context, j pricedDoc, build func(pricedDoc) (aggregate.Change, bool)) error {
	for attempt := 0; attempt < 5; attempt++ {
		c, needed := build(j)
		if !needed {
			return nil
		}
		c.ID, c.Version = j.ID, j.Base.Version
		err := s.jobs.Apply(ctx, c)
		if !errors.Is(err, apperr.ErrVersionConflict) {
			return err
		}
		if err := s.jobs.Load(ctx, j.ID, &j); err != nil {
			return err
		}
	}
	return apperr.VersionConflict("priced job")
}

var serviceTypeNames = map[string]string{ServiceRepair: "维修", ServiceInstallation: "安装",
	ServiceMaintenance: "保养", ServiceInspection: "检测"}

func describeJob(j pricedDoc, period string) string {
	desc := fmt.Sprintf("%s %s · %s · %s · %.1f km", serviceTypeNames[j.ServiceType], j.ServiceType,
		j.Category, orDash(j.Region), j.DistanceKm)
	if j.Period != period {
		desc += " · completed in " + j.Period + ", settled late"
	}
	return desc
}
