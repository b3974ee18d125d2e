// Package fees prices after-sales work uniformly and reconciles what the brand owes
// outsourced outlets: versioned fee schedules, customer quotes, priced jobs and monthly
// settlement statements with finance review, disputes, reports and CSV export.
package fees

import (
	"fmt"
	"regexp"
	"time"
)

// Service types a schedule prices labour for.
const (
	ServiceRepair       = "repair"
	ServiceInstallation = "installation"
	ServiceMaintenance  = "maintenance"
	ServiceInspection   = "inspection"
)

// ServiceTypes lists the service types; every schedule must price each of them.
func ServiceTypes() []string {
	return []string{ServiceRepair, ServiceInstallation, ServiceMaintenance, ServiceInspection}
}

// Kinds of fee lines.
const (
	KindLabour    = "labour"
	KindTravel    = "travel"
	KindParts     = "parts"
	KindSurcharge = "surcharge"
)

// Who pays a fee line.
const (
	PayerBrand    = "brand"    // in warranty: the brand pays the outlet
	PayerCustomer = "customer" // out of warranty: the customer pays, after accepting a quote
)

// Flags a priced job can carry for finance to review.
const (
	FlagQuoteMissing = "quote_missing"     // out of warranty with no accepted quote
	FlagBeyondMaxKm  = "travel_beyond_max" // farther than the schedule's last band
)

// Wildcard matches any category or region in a labour row.
const Wildcard = "*"

// DefaultCurrency is used when a schedule names none.
const DefaultCurrency = "CNY"

// Bounds on amounts and quantities, so integer arithmetic cannot overflow.
const (
	MaxAmount   int64 = 1_000_000_000_000 // minor units: ten billion yuan
	MaxBP       int64 = 100_000           // basis points: 1000%
	MaxQty            = 10_000
	MaxKm             = 100_000.0
	maxTextLen        = 200
	maxIDLen          = 64
	maxPartsLen       = 100
)

// Shanghai is the business time zone: periods, night windows and holidays are read in
// it. China has kept UTC+8 without daylight saving since 1991, so a fixed zone is exact
// and needs no tzdata on the host.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// Period is the settlement period (calendar month in Shanghai, "2006-01") holding t.
func Period(t time.Time) string { return t.In(Shanghai).Format("2006-01") }

// parsePeriod reads a "YYYY-MM" period and returns its first instant.
func parsePeriod(p string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01", p, Shanghai)
	return t, err == nil && t.Format("2006-01") == p
}

// nextPeriod is the month after p, which must be valid.
func nextPeriod(p string) string {
	t, _ := parsePeriod(p)
	return t.AddDate(0, 1, 0).Format("2006-01")
}

// periodRange is [start, end) of period p.
func periodRange(p string) (time.Time, time.Time) {
	t, _ := parsePeriod(p)
	return t, t.AddDate(0, 1, 0)
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// minorDigits is the number of decimal places of a currency's minor unit (ISO 4217);
// currencies not listed have two.
var minorDigits = map[string]int{"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0,
	"BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}

// Decimal formats minor units of currency as a decimal string ("1234.50" for 123450 fen).
func Decimal(amount int64, currency string) string {
	digits, ok := minorDigits[currency]
	if !ok {
		digits = 2
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	if digits == 0 {
		return fmt.Sprintf("%s%d", sign, amount)
	}
	scale := int64(1)
	for range digits {
		scale *= 10
	}
	return fmt.Sprintf("%s%d.%0*d", sign, amount/scale, digits, amount%scale)
}

// applyBP returns amount × bp / 10000, rounded half up (amounts are never negative).
func applyBP(amount, bp int64) int64 { return (amount*bp + 5000) / 10000 }
