package fees

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/apperr"
)

// MaxReportRows bounds a variance report; a longer range is truncated (narrow it).
const MaxReportRows = 5000

// VarianceRow compares what a customer was quoted with what the completed work priced
// at, for one out-of-warranty order.
type VarianceRow struct {
	OrderID      string    `json:"order_id"`
	OutletID     string    `json:"outlet_id"`
	CompletedAt  time.Time `json:"completed_at"`
	Currency     string    `json:"currency"`
	QuoteID      string    `json:"quote_id,omitempty"`
	Quoted       *int64    `json:"quoted,omitempty" doc:"the accepted quote's total, minor units"`
	Priced       int64     `json:"priced" doc:"the customer's total as priced, minor units"`
	Variance     *int64    `json:"variance,omitempty" doc:"priced minus quoted"`
	QuoteMissing bool      `json:"quote_missing"`
}

// VarianceTotals sums the rows of one currency that have a quote.
type VarianceTotals struct {
	Orders       int   `json:"orders"`
	Quoted       int64 `json:"quoted"`
	Priced       int64 `json:"priced"`
	Variance     int64 `json:"variance"`
	QuoteMissing int   `json:"quote_missing" doc:"orders priced without an accepted quote"`
}

// VarianceReport is quoted against priced per order over a range of completion days.
type VarianceReport struct {
	From      string                    `json:"from"`
	To        string                    `json:"to"`
	Rows      []VarianceRow             `json:"rows"`
	Totals    map[string]VarianceTotals `json:"totals" doc:"per currency"`
	Truncated bool                      `json:"truncated"`
}

// Variance reports out-of-warranty orders completed from day from to day to (inclusive,
// YYYY-MM-DD in Shanghai).
func (s *Service) Variance(ctx context.Context, from, to string) (VarianceReport, error) {
	start, end, err := dayRange(from, to)
	if err != nil {
		return VarianceReport{}, err
	}
	filter := bson.D{{Key: "in_warranty", Value: false},
		{Key: "completed_at", Value: bson.D{{Key: "$gte", Value: start}, {Key: "$lt", Value: end}}}}
	opts := options.Find().SetProjection(scheduleProjection).SetSort(bson.D{{Key: "completed_at", Value: 1}}).SetLimit(MaxReportRows + 1)
	var docs []pricedDoc
	if err := s.jobs.Collection().Find(ctx, filter, &docs, opts); err != nil {
		return VarianceReport{}, err
	}
	rep := VarianceReport{From: from, To: to, Rows: []VarianceRow{}, Totals: map[string]VarianceTotals{}}
	if len(docs) > MaxReportRows {
		docs, rep.Truncated = docs[:MaxReportRows], true
	}
	for _, d := range docs {
		row := VarianceRow{OrderID: d.ID, OutletID: d.OutletID, CompletedAt: d.CompletedAt, Currency: d.Currency,
			QuoteID: d.QuoteID, Quoted: d.QuotedTotal, Priced: d.CustomerTotal, QuoteMissing: d.QuotedTotal == nil}
		t := rep.Totals[d.Currency]
		if d.QuotedTotal != nil {
			v := d.CustomerTotal - *d.QuotedTotal
			row.Variance = &v
			t.Orders, t.Quoted, t.Priced, t.Variance = t.Orders+1, t.Quoted+*d.QuotedTotal, t.Priced+d.CustomerTotal, t.Variance+v
		} else {
			t.QuoteMissing++
		}
		rep.Totals[d.Currency] = t
		rep.Rows = append(rep.Rows, row)
	}
	return rep, nil
}

func dayRange(from, to string) (time.Time, time.Time, error) {
	f := apperr.Fields{}
	start, errFrom := time.ParseInLocation(time.DateOnly, from, Shanghai)
	end, errTo := time.ParseInLocation(time.DateOnly, to, Shanghai)
	if errFrom != nil {
		f.Add("from", "must be a date YYYY-MM-DD")
	}
	if errTo != nil {
		f.Add("to", "must be a date YYYY-MM-DD")
	}
	if errFrom == nil && errTo == nil && end.Before(start) {
		f.Add("to", "must not be before from")
	}
	if errFrom == nil && errTo == nil && end.Sub(start) > 366*24*time.Hour {
		f.Add("to", "must be within a year of from")
	}
	return start.UTC(), end.AddDate(0, 0, 1).UTC(), f.Err()
}

// OutletTotal is one outlet's settlement figures for a period.
type OutletTotal struct {
	OutletID      string `json:"outlet_id"`
	StatementID   string `json:"statement_id,omitempty"`
	Status        string `json:"status,omitempty" doc:"the statement's; empty when none is generated yet"`
	Currency      string `json:"currency"`
	Lines         int    `json:"lines"`
	DisputedLines int    `json:"disputed_lines"`
	Total         int64  `json:"total" doc:"the statement's total, minor units"`
	Unsettled     int64  `json:"unsettled" doc:"brand-paid work of the period not on a statement yet"`
	UnsettledJobs int    `json:"unsettled_jobs"`
}

// OutletReport is every outlet's figures for a period.
type OutletReport struct {
	Period  string           `json:"period"`
	Outlets []OutletTotal    `json:"outlets"`
	Totals  map[string]int64 `json:"totals" doc:"statement totals per currency"`
}

// OutletTotals reports per outlet the period's statement and any work not yet on one.
func (s *Service) OutletTotals(ctx context.Context, period string) (OutletReport, error) {
	if _, ok := parsePeriod(period); !ok {
		return OutletReport{}, apperr.Fields{"period": "must be a month YYYY-MM"}.Err()
	}
	sts, err := s.periodStatements(ctx, period)
	if err != nil {
		return OutletReport{}, err
	}
	byOutlet := map[string]*OutletTotal{}
	rep := OutletReport{Period: period, Totals: map[string]int64{}}
	for _, st := range sts {
		byOutlet[st.OutletID] = &OutletTotal{OutletID: st.OutletID, StatementID: st.ID, Status: st.Status,
			Currency: st.Currency, Lines: st.LineCount, DisputedLines: st.DisputedLines, Total: st.Total}
		rep.Totals[st.Currency] += st.Total
	}
	if err := s.addUnsettled(ctx, period, byOutlet); err != nil {
		return OutletReport{}, err
	}
	for _, t := range byOutlet {
		rep.Outlets = append(rep.Outlets, *t)
	}
	slices.SortFunc(rep.Outlets, func(a, b OutletTotal) int { return strings.Compare(a.OutletID, b.OutletID) })
	if rep.Outlets == nil {
		rep.Outlets = []OutletTotal{}
	}
	return rep, nil
}

func (s *Service) addUnsettled(ctx context.Context, period string, byOutlet map[string]*OutletTotal) error {
	var docs []struct {
		OutletID   string `bson:"outlet_id"`
		Currency   string `bson:"currency"`
		BrandTotal int64  `bson:"brand_total"`
	}
	filter := bson.D{{Key: "settle_period", Value: period}, {Key: "statement_id", Value: ""},
		{Key: "outlet_id", Value: bson.D{{Key: "$ne", Value: ""}}}, {Key: "brand_total", Value: bson.D{{Key: "$gt", Value: 0}}}}
	opts := options.Find().SetProjection(bson.D{{Key: "outlet_id", Value: 1}, {Key: "currency", Value: 1}, {Key: "brand_total", Value: 1}})
	if err := s.jobs.Collection().Find(ctx, filter, &docs, opts); err != nil {
		return err
	}
	for _, d := range docs {
		t, ok := byOutlet[d.OutletID]
		if !ok {
			t = &OutletTotal{OutletID: d.OutletID, Currency: d.Currency}
			byOutlet[d.OutletID] = t
		}
		t.Unsettled += d.BrandTotal
		t.UnsettledJobs++
	}
	return nil
}
