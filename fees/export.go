package fees

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/aftersales/aftersales/internal/auth"
)

// BOM starts every CSV export: without it spreadsheet tools read UTF-8 as the local
// code page and garble Chinese text.
const BOM = "\uFEFF"

// CSVHeader is the header row of a statement export. Amounts appear twice: as a
// decimal in the currency's major unit (for people) and in minor units (for machines,
// exact and free of rounding).
var CSVHeader = []string{"line_no", "order_id", "completed_at", "description", "status", "currency",
	"amount", "amount_minor", "adjusted_amount", "adjusted_amount_minor", "effective_amount", "effective_amount_minor",
	"dispute_reason", "adjusted_by", "adjusted_reason"}

// TotalLabel marks the last row of an export, which carries the statement's total.
const TotalLabel = "TOTAL"

// ExportCSV writes a statement the caller may see as CSV: BOM, header, one row per
// line, then a TOTAL row whose effective amount is the statement's total.
func (s *Service) ExportCSV(ctx context.Context, p auth.Principal, id string, w io.Writer) error {
	st, err := s.GetStatement(ctx, p, id)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, l := range st.Lines {
		if err := cw.Write(lineRecord(l, st.Currency)); err != nil {
			return err
		}
	}
	total := make([]string, len(CSVHeader))
	total[0], total[5] = TotalLabel, st.Currency
	total[10], total[11] = Decimal(st.Total, st.Currency), strconv.FormatInt(st.Total, 10)
	if err := cw.Write(total); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func lineRecord(l StatementLine, currency string) []string {
	adjusted, adjustedMinor := "", ""
	if l.AdjustedAmount != nil {
		adjusted, adjustedMinor = Decimal(*l.AdjustedAmount, currency), strconv.FormatInt(*l.AdjustedAmount, 10)
	}
	return []string{strconv.Itoa(l.LineNo), cell(l.OrderID), l.CompletedAt.In(Shanghai).Format("2006-01-02 15:04"),
		cell(l.Description), l.Status, currency,
		Decimal(l.Amount, currency), strconv.FormatInt(l.Amount, 10), adjusted, adjustedMinor,
		Decimal(l.Effective(), currency), strconv.FormatInt(l.Effective(), 10),
		cell(l.DisputeReason), cell(l.AdjustedBy), cell(l.AdjustedReason)}
}

// cell defuses text a spreadsheet would run as a formula (CSV injection) by prefixing
// an apostrophe, which spreadsheet tools hide.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
