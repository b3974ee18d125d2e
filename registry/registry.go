// Package registry is the record of who bought what: customers with their addresses,
// products, sales orders imported from the shop, and the units (serials) those orders
// delivered, each with its warranty and its service history.
// Other domains look these up through Service and add to a unit's history by emitting
// the UnitTouched event.
package registry

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/auth"
)

// Address is a place a customer can be served at; Lat and Lon locate it for dispatch.
type Address struct {
	ID, Label, Line, City, Province string
	Lat, Lon                        float64
}

// Customer is a buyer. Phone is the full, normalised number: mask it with MaskPhone for
// roles where CanSeePhone is false.
type Customer struct {
	ID, Name, Phone, Email string
	Addresses              []Address
	DefaultAddressID       string
	Version                int64
	CreatedAt              time.Time
}

// DefaultAddress is the customer's default address (the first when none is marked).
func (c Customer) DefaultAddress() (Address, bool) {
	for _, a := range c.Addresses {
		if a.ID == c.DefaultAddressID {
			return a, true
		}
	}
	if len(c.Addresses) > 0 {
		return c.Addresses[0], true
	}
	return Address{}, false
}

// Unit is one registered serial: what it is, who owns it, and its warranty.
type Unit struct {
	Serial, SKU, ProductName, Category, CustomerID, SalesOrderID string
	LineNo                                                       int
	PurchasedAt, WarrantyEnd                                     time.Time
}

// InWarranty reports whether the unit is under warranty at at. The end is exclusive: a
// unit whose warranty ends at midnight is out of warranty from midnight on.
func (u Unit) InWarranty(at time.Time) bool { return at.Before(u.WarrantyEnd) }

// DaysLeft is the number of started days of warranty left at at; 0 once it has ended.
func (u Unit) DaysLeft(at time.Time) int {
	if !u.InWarranty(at) {
		return 0
	}
	return int(math.Ceil(u.WarrantyEnd.Sub(at).Hours() / 24))
}

// SalesLine is one line of a sales order. DeliveredAt is nil until the line is delivered.
type SalesLine struct {
	LineNo      int
	SKU         string
	Qty         int
	UnitPrice   int64 // minor units of the order's currency
	Serials     []string
	DeliveredAt *time.Time
}

// SalesOrder is an order imported from a shop; (Shop, ShopOrderNo) identifies it there.
type SalesOrder struct {
	ID, Shop, ShopOrderNo, CustomerID, Currency string
	OrderedAt                                   time.Time
	Lines                                       []SalesLine
	Version                                     int64
}

// Line returns the line numbered n.
func (o SalesOrder) Line(n int) (SalesLine, bool) {
	for _, l := range o.Lines {
		if l.LineNo == n {
			return l, true
		}
	}
	return SalesLine{}, false
}

// Product is a sellable item. ReturnWindowDays is 0 when the product uses the default
// return window.
type Product struct {
	SKU, Name, Brand, Category string
	WarrantyMonths             int
	SkillsNeeded               []string
	ReturnWindowDays           int
}

// WarrantyEnd is when a warranty of months calendar months, starting at purchasedAt,
// ends. It uses time.AddDate in UTC, so a month-end start that has no matching day in
// the end month rolls over: Jan 31 + 1 month is Mar 3 (Mar 2 in a leap year).
func WarrantyEnd(purchasedAt time.Time, months int) time.Time {
	return purchasedAt.UTC().AddDate(0, months, 0)
}

// Kinds of service-history entries. Other domains may use further kinds.
const (
	KindSale         = "sale"
	KindComplaint    = "complaint"
	KindRMA          = "rma"
	KindServiceOrder = "service_order"
	KindPartSwap     = "part_swap"
)

// phoneRoles see customers' full phone numbers; every other role sees them masked.
var phoneRoles = []string{auth.RoleAgent, auth.RoleSupervisor, auth.RoleDispatcher, auth.RoleAdmin}

// CanSeePhone reports whether role may see a customer's full phone number.
func CanSeePhone(role string) bool { return slices.Contains(phoneRoles, role) }

// MaskPhone hides the middle of a phone number: 13812345678 becomes 138****5678. Short
// numbers keep only their last digits, so at least three digits are always hidden.
func MaskPhone(phone string) string {
	r := []rune(phone)
	n := len(r)
	switch {
	case n == 0:
		return ""
	case n >= 11:
		return string(r[:3]) + "****" + string(r[n-4:])
	case n >= 7:
		return "****" + string(r[n-4:])
	default:
		return "****" + string(r[max(0, n-2):])
	}
}

var phonePattern = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

// NormalizePhone is the one form of a phone number that is stored and searched: no
// spaces, dashes, dots or brackets, and a Chinese mobile number without its +86 or
// 0086 prefix, so the shop's "+86 138-1234-5678" matches an agent's "13812345678".
func NormalizePhone(s string) string {
	s = strings.NewReplacer(" ", "", "-", "", ".", "", "(", "", ")", "").Replace(strings.TrimSpace(s))
	for _, prefix := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok && len(rest) == 11 && rest[0] == '1' {
			return rest
		}
	}
	return s
}

var (
	serialPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{2,63}$`)
	skuPattern    = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{1,63}$`)
	codePattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
)

// NormalizeSerial is the stored form of a serial number: trimmed and upper case.
func NormalizeSerial(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// NormalizeSKU is the stored form of a SKU: trimmed and upper case.
func NormalizeSKU(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// normalizeCode makes a free-text code (category, skill, shop) lower case with
// underscores: "Air Conditioner" becomes "air_conditioner".
func normalizeCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
}
