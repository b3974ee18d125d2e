// Package parts makes every spare part traceable from the shelf to the customer's unit
// and back: the catalog, stock per location with an append-only ledger, requisitions,
// transfers, consumption on service orders and defective returns matched by serial.
// It flags what does not add up: defective parts never returned, serials returned that
// were never consumed, out-of-warranty swaps without a paid quote, and requisitions far
// above what a technician consumes.
package parts

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Collection names.
const (
	CatalogCollection      = "part_catalog"
	StockCollection        = "part_stock"
	SerialsCollection      = "part_serials"
	LedgerCollection       = "stock_ledger"
	RequisitionsCollection = "part_requisitions"
	TransfersCollection    = "part_transfers"
	ConsumptionsCollection = "part_consumptions"
	ReturnsCollection      = "part_returns"
	FlagsCollection        = "part_flags"
)

// Location kinds. A location is written "<kind>:<id>": warehouse:WH-1, outlet:OUT-1,
// van:TEC-1 (a technician's van). Consumed serials sit in a customer's unit, unit:<serial>.
const (
	KindWarehouse = "warehouse"
	KindOutlet    = "outlet"
	KindVan       = "van"
	KindUnit      = "unit"
)

// Location is a place that holds stock.
type Location struct {
	Kind string
	ID   string
}

func (l Location) String() string { return l.Kind + ":" + l.ID }

// IsZero reports whether l is unset.
func (l Location) IsZero() bool { return l.Kind == "" && l.ID == "" }

// Van is a technician's van.
func Van(technicianID string) Location { return Location{Kind: KindVan, ID: technicianID} }

// Warehouse is a warehouse location.
func Warehouse(id string) Location { return Location{Kind: KindWarehouse, ID: id} }

// Outlet is a service outlet's own store.
func Outlet(id string) Location { return Location{Kind: KindOutlet, ID: id} }

var locationID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// ParseLocation reads "<kind>:<id>" for a stock-holding kind (warehouse, outlet, van).
func ParseLocation(s string) (Location, error) {
	kind, id, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Location{}, errors.New("must be kind:id, e.g. warehouse:WH-1")
	}
	kind = strings.ToLower(kind)
	if kind != KindWarehouse && kind != KindOutlet && kind != KindVan {
		return Location{}, fmt.Errorf("kind must be one of: %s, %s, %s", KindWarehouse, KindOutlet, KindVan)
	}
	if !locationID.MatchString(id) {
		return Location{}, errors.New("id must be 1-64 letters, digits, - or _")
	}
	return Location{Kind: kind, ID: id}, nil
}

// ValidID reports whether id can name a warehouse, outlet or technician.
func ValidID(id string) bool { return locationID.MatchString(id) }

// Serial states. A serial is in exactly one place in exactly one state; it moves only
// by a conditional update on its current location and state.
const (
	SerialInStock           = "in_stock"
	SerialReserved          = "reserved" // held for a requisition or transfer, still at its location
	SerialIssuedToVan       = "issued_to_van"
	SerialConsumed          = "consumed" // fitted into a customer's unit
	SerialDefectiveReturned = "defective_returned"
	SerialScrapped          = "scrapped"
)

// onHandState is the state of a serial on hand at a location of kind: a van's stock is
// "issued to van", every other location's "in stock".
func onHandState(kind string) string {
	if kind == KindVan {
		return SerialIssuedToVan
	}
	return SerialInStock
}

var partNoPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{0,63}$`)

// NormalizePartNo is the stored form of a part number: trimmed, upper case.
func NormalizePartNo(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// NormalizeSerial is the stored form of a serial: trimmed, upper case.
func NormalizeSerial(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// No "/" in part numbers or serials: both appear as URL path segments.
var serialPattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9._-]{0,63}$`)

func validPartNo(s string) bool { return partNoPattern.MatchString(s) }
func validSerial(s string) bool { return serialPattern.MatchString(s) }

// normalizeCode makes a category code lower case with underscores, as the registry does:
// "Air Conditioner" becomes "air_conditioner".
func normalizeCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '_' }), "_")
}

func stockID(location, partNo string) string  { return location + "|" + partNo }
func serialID(partNo, serial string) string   { return partNo + "|" + serial }
func flagID(kind, subject, ref string) string { return kind + "|" + subject + "|" + ref }
