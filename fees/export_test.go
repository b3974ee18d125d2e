package fees_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/fees"
)

func TestCSVExportRoundTripsToTheSameTotals(t *testing.T) {
	e := march(t)
	id := statementOf(t, e.generate(t, "2026-03"), "OUT-1").ID
	base := "/api/v1/fees/statements/" + id
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, base+"/submit", e.outlet("OUT-1"), nil).Code)
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, base+"/dispute", e.finance,
		fees.DisputeInput{Lines: []fees.DisputeLine{{LineNo: 2, Reason: "=SUM(A1) 距离有误"}}}).Code)
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, base+"/adjust", e.finance,
		fees.AdjustInput{Lines: []fees.AdjustLine{{LineNo: 2, Amount: 5550, Reason: "按实际距离 8.5 km"}}}).Code)
	st := e.statement(t, e.finance, id)

	res := e.Do(http.MethodGet, base+"/export.csv", e.finance, nil)
	require.Equal(t, http.StatusOK, res.Code, res.String())
	assert.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Content-Disposition"), id+".csv")
	require.True(t, bytes.HasPrefix(res.Body, []byte{0xEF, 0xBB, 0xBF}), "UTF-8 BOM first")

	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.Body, []byte(fees.BOM)))).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 1+len(st.Lines)+1, "header, one row per line, total")
	assert.Equal(t, fees.CSVHeader, records[0])
	col := map[string]int{}
	for i, name := range records[0] {
		col[name] = i
	}
	var sumMinor int64
	var sumDecimalCents int64
	for i, r := range records[1 : len(records)-1] {
		assert.Equal(t, strconv.Itoa(st.Lines[i].LineNo), r[col["line_no"]])
		assert.Equal(t, st.Lines[i].OrderID, r[col["order_id"]])
		minor, err := strconv.ParseInt(r[col["effective_amount_minor"]], 10, 64)
		require.NoError(t, err)
		sumMinor += minor
		sumDecimalCents += cents(t, r[col["effective_amount"]])
	}
	total := records[len(records)-1]
	assert.Equal(t, fees.TotalLabel, total[0])
	assert.Equal(t, st.Total, sumMinor)
	assert.Equal(t, st.Total, sumDecimalCents, "the decimal column says the same")
	assert.Equal(t, strconv.FormatInt(st.Total, 10), total[col["effective_amount_minor"]])
	assert.Equal(t, "205.50", total[col["effective_amount"]]) // 50.00 + 55.50 + 100.00

	line2 := records[2]
	assert.Equal(t, "'=SUM(A1) 距离有误", line2[col["dispute_reason"]], "formula defused, Chinese intact")
	assert.Equal(t, "按实际距离 8.5 km", line2[col["adjusted_reason"]])
	assert.Equal(t, "55.50", line2[col["adjusted_amount"]])
	assert.Equal(t, "70.00", line2[col["amount"]])
	assert.True(t, strings.HasPrefix(line2[col["description"]], "维修 repair · 洗衣机"), line2[col["description"]])
}

// cents parses a decimal "123.45" into 12345 without floats.
func cents(t *testing.T, s string) int64 {
	whole, frac, ok := strings.Cut(s, ".")
	require.True(t, ok && len(frac) == 2, s)
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	require.NoError(t, err)
	return n
}

func TestDecimalFormatsMinorUnitsPerCurrency(t *testing.T) {
	cases := []struct {
		amount   int64
		currency string
		want     string
	}{{0, "CNY", "0.00"}, {5, "CNY", "0.05"}, {123456, "CNY", "1234.56"}, {-150, "USD", "-1.50"},
		{1500, "JPY", "1500"}, {12345, "KWD", "12.345"}}
	for _, tc := range cases {
		assert.Equal(t, tc.want, fees.Decimal(tc.amount, tc.currency), "%d %s", tc.amount, tc.currency)
	}
}
