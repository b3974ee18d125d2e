package parts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

// Part is a catalog entry. Prices are integer minor units of Currency.
type Part struct {
	PartNo               string    `json:"part_no"`
	Name                 string    `json:"name"`
	CompatibleProducts   []string  `json:"compatible_products" doc:"product SKUs the part fits"`
	CompatibleCategories []string  `json:"compatible_categories" doc:"product categories the part fits"`
	Serialised           bool      `json:"serialised" doc:"every unit carries a serial and is tracked one by one"`
	UnitCost             int64     `json:"unit_cost" doc:"minor units"`
	ListPrice            int64     `json:"list_price" doc:"minor units"`
	Currency             string    `json:"currency"`
	ReturnDefective      bool      `json:"return_defective" doc:"the replaced part must come back to a warehouse"`
	Active               bool      `json:"active"`
	Version              int64     `json:"version"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
}

type partDoc struct {
	ID             string `bson:"_id"` // the part number
	aggregate.Base `bson:",inline"`
	Name           string   `bson:"name"`
	Products       []string `bson:"compatible_products"`
	Categories     []string `bson:"compatible_categories"`
	Serialised     bool     `bson:"serialised"`
	UnitCost       int64    `bson:"unit_cost"`
	ListPrice      int64    `bson:"list_price"`
	Currency       string   `bson:"currency"`
	Return         bool     `bson:"return_defective"`
	Active         bool     `bson:"active"`
}

func (d partDoc) view() Part {
	return Part{PartNo: d.ID, Name: d.Name, CompatibleProducts: nonNil(d.Products), CompatibleCategories: nonNil(d.Categories),
		Serialised: d.Serialised, UnitCost: d.UnitCost, ListPrice: d.ListPrice, Currency: d.Currency,
		ReturnDefective: d.Return, Active: d.Active, Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// fits reports whether the part may go into a unit of category; a part that lists no
// categories fits any.
func (d partDoc) fits(category string) bool {
	return len(d.Categories) == 0 || category == "" || slices.Contains(d.Categories, normalizeCode(category))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const maxMoney = 1_000_000_000_00 // one billion in major units

// PartInput creates a catalog entry.
type PartInput struct {
	PartNo               string   `json:"part_no"`
	Name                 string   `json:"name"`
	CompatibleProducts   []string `json:"compatible_products"`
	CompatibleCategories []string `json:"compatible_categories"`
	Serialised           bool     `json:"serialised"`
	UnitCost             int64    `json:"unit_cost"`
	ListPrice            int64    `json:"list_price"`
	Currency             string   `json:"currency" doc:"defaults to the deployment's currency, the only one accepted"`
	ReturnDefective      bool     `json:"return_defective"`
}

// Validate checks the fields that need no configuration.
func (in PartInput) Validate() error {
	f := apperr.Fields{}
	if f.Required("part_no", in.PartNo) && !validPartNo(NormalizePartNo(in.PartNo)) {
		f.Add("part_no", "must be 1-64 letters, digits, '.', '_' or '-'")
	}
	f.Required("name", in.Name)
	f.MaxLen("name", in.Name, 200)
	checkCodes(f, "compatible_products", in.CompatibleProducts)
	checkCodes(f, "compatible_categories", in.CompatibleCategories)
	f.Range("unit_cost", float64(in.UnitCost), 0, maxMoney)
	f.Range("list_price", float64(in.ListPrice), 0, maxMoney)
	return f.Err()
}

func checkCodes(f apperr.Fields, field string, codes []string) {
	if len(codes) > 100 {
		f.Add(field, "must have at most 100 entries")
	}
	for _, c := range codes {
		if strings.TrimSpace(c) == "" || len(c) > 64 {
			f.Add(field, "entries must be 1-64 characters")
		}
	}
}

// PartUpdate changes a catalog entry; absent fields stay. Serialised never changes:
// stock of the part is kept one way or the other.
type PartUpdate struct {
	Version              int64     `json:"version" doc:"the version you read"`
	Name                 *string   `json:"name,omitempty"`
	CompatibleProducts   *[]string `json:"compatible_products,omitempty"`
	CompatibleCategories *[]string `json:"compatible_categories,omitempty"`
	UnitCost             *int64    `json:"unit_cost,omitempty"`
	ListPrice            *int64    `json:"list_price,omitempty"`
	ReturnDefective      *bool     `json:"return_defective,omitempty"`
	Active               *bool     `json:"active,omitempty"`
}

// Validate checks the fields present.
func (in PartUpdate) Validate() error {
	f := apperr.Fields{}
	if in.Version < 1 {
		f.Add("version", "is required")
	}
	if in.Name != nil {
		f.Required("name", *in.Name)
		f.MaxLen("name", *in.Name, 200)
	}
	if in.CompatibleProducts != nil {
		checkCodes(f, "compatible_products", *in.CompatibleProducts)
	}
	if in.CompatibleCategories != nil {
		checkCodes(f, "compatible_categories", *in.CompatibleCategories)
	}
	if in.UnitCost != nil {
		f.Range("unit_cost", float64(*in.UnitCost), 0, maxMoney)
	}
	if in.ListPrice != nil {
		f.Range("list_price", float64(*in.ListPrice), 0, maxMoney)
	}
	return f.Err()
}

func normalizeList(codes []string, norm func(string) string) []string {
	out := []string{}
	for _, c := range codes {
		if c = norm(c); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// CreatePart adds a part to the catalog.
func (s *Service) CreatePart(ctx context.Context, p auth.Principal, in PartInput) (Part, error) {
	if err := in.Validate(); err != nil {
		return Part{}, err
	}
	if in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency)); in.Currency == "" {
		in.Currency = s.cfg.Currency
	}
	if in.Currency != s.cfg.Currency {
		return Part{}, invalid("currency", "parts are priced in "+s.cfg.Currency)
	}
	d := partDoc{ID: NormalizePartNo(in.PartNo), Name: strings.TrimSpace(in.Name), Serialised: in.Serialised,
		Products: normalizeList(in.CompatibleProducts, NormalizePartNo), Categories: normalizeList(in.CompatibleCategories, normalizeCode),
		UnitCost: in.UnitCost, ListPrice: in.ListPrice, Currency: in.Currency, Return: in.ReturnDefective, Active: true}
	entry := aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "create", To: "active"}
	if err := s.catalog.Create(ctx, d.ID, d, entry); err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			return Part{}, conflict("part already exists", "part_no", "part "+d.ID+" is already in the catalog")
		}
		return Part{}, err
	}
	return s.Part(ctx, d.ID)
}

// UpdatePart changes a catalog entry at the version the caller read.
func (s *Service) UpdatePart(ctx context.Context, p auth.Principal, partNo string, in PartUpdate) (Part, error) {
	if err := in.Validate(); err != nil {
		return Part{}, err
	}
	set := bson.D{}
	add := func(k string, v any) { set = append(set, bson.E{Key: k, Value: v}) }
	if in.Name != nil {
		add("name", strings.TrimSpace(*in.Name))
	}
	if in.CompatibleProducts != nil {
		add("compatible_products", normalizeList(*in.CompatibleProducts, NormalizePartNo))
	}
	if in.CompatibleCategories != nil {
		add("compatible_categories", normalizeList(*in.CompatibleCategories, normalizeCode))
	}
	if in.UnitCost != nil {
		add("unit_cost", *in.UnitCost)
	}
	if in.ListPrice != nil {
		add("list_price", *in.ListPrice)
	}
	if in.ReturnDefective != nil {
		add("return_defective", *in.ReturnDefective)
	}
	if in.Active != nil {
		add("active", *in.Active)
	}
	id := NormalizePartNo(partNo)
	err := s.catalog.Apply(ctx, aggregate.Change{ID: id, Version: in.Version, Set: set,
		Entry: aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "update"}})
	if err != nil {
		return Part{}, err
	}
	return s.Part(ctx, id)
}

// Part returns one catalog entry.
func (s *Service) Part(ctx context.Context, partNo string) (Part, error) {
	d, err := s.part(ctx, partNo)
	return d.view(), err
}

func (s *Service) part(ctx context.Context, partNo string) (partDoc, error) {
	var d partDoc
	err := s.catalog.Load(ctx, NormalizePartNo(partNo), &d)
	return d, err
}

// PartFilter narrows the catalog list.
type PartFilter struct {
	Category string
	Product  string
	Active   *bool
}

// Parts lists the catalog.
func (s *Service) Parts(ctx context.Context, f PartFilter, page httpx.Page) (httpx.PageResult[Part], error) {
	filter := bson.D{}
	if f.Category != "" {
		filter = append(filter, bson.E{Key: "compatible_categories", Value: normalizeCode(f.Category)})
	}
	if f.Product != "" {
		filter = append(filter, bson.E{Key: "compatible_products", Value: NormalizePartNo(f.Product)})
	}
	if f.Active != nil {
		filter = append(filter, bson.E{Key: "active", Value: *f.Active})
	}
	return findPage(ctx, s.catalog.Collection(), filter, page, partDoc.view, func(p Part) string { return p.PartNo })
}

// partsFor loads the catalog entries of partNos (normalised), answering 400 at
// field(i) for unknown ones, and for inactive ones when new stock is asked for: parts
// already in stock can still be moved and fitted after they leave the catalog.
func (s *Service) partsFor(ctx context.Context, partNos []string, field func(i int) string, activeOnly bool) (map[string]partDoc, error) {
	out, f := map[string]partDoc{}, apperr.Fields{}
	for i, no := range partNos {
		d, err := s.part(ctx, no)
		switch {
		case errors.Is(err, apperr.ErrNotFound):
			f.Add(field(i), "unknown part")
		case err != nil:
			return nil, err
		case activeOnly && !d.Active:
			f.Add(field(i), "part is no longer active")
		default:
			out[d.ID] = d
		}
	}
	return out, f.Err()
}
