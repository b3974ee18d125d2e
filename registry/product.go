package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Product limits.
const (
	MaxWarrantyMonths   = 120
	MaxReturnWindowDays = 365
	maxSkills           = 20
)

// ProductInput creates a product (Version 0) or changes one (Version = the version
// read); it is also the request body of the upsert.
type ProductInput struct {
	SKU              string   `json:"sku"`
	Name             string   `json:"name"`
	Brand            string   `json:"brand"`
	Category         string   `json:"category" doc:"free text, stored lower case with underscores: air_conditioner"`
	WarrantyMonths   *int     `json:"warranty_months" doc:"0 to 120"`
	SkillsNeeded     []string `json:"skills_needed,omitempty" doc:"skills a technician needs to service it"`
	ReturnWindowDays *int     `json:"return_window_days,omitempty" doc:"1 to 365; absent: the default return window"`
	Version          int64    `json:"version,omitempty" doc:"absent to create; the version you read to change"`
}

// Validate reports every invalid field at once.
func (in ProductInput) Validate() error {
	f := apperr.Fields{}
	if sku := NormalizeSKU(in.SKU); f.Required("sku", sku) && !skuPattern.MatchString(sku) {
		f.Add("sku", "must be 2 to 64 letters, digits, '.', '-' or '_'")
	}
	for _, c := range []struct{ field, value string }{{"name", in.Name}, {"brand", in.Brand}} {
		if f.Required(c.field, c.value) {
			f.MaxLen(c.field, strings.TrimSpace(c.value), 100)
		}
	}
	if cat := normalizeCode(in.Category); f.Required("category", cat) && !codePattern.MatchString(cat) {
		f.Add("category", "must be 2 to 40 letters, digits or _, starting with a letter")
	}
	if in.WarrantyMonths == nil {
		f.Add("warranty_months", "is required")
	} else {
		f.Range("warranty_months", float64(*in.WarrantyMonths), 0, MaxWarrantyMonths)
	}
	if in.ReturnWindowDays != nil {
		f.Range("return_window_days", float64(*in.ReturnWindowDays), 1, MaxReturnWindowDays)
	}
	checkSkills(f, in.SkillsNeeded)
	if in.Version < 0 {
		f.Add("version", "must be the version you read, or absent to create")
	}
	return f.Err()
}

func checkSkills(f apperr.Fields, skills []string) {
	if len(skills) > maxSkills {
		f.Add("skills_needed", "must hold at most %d skills", maxSkills)
	}
	for i, s := range skills {
		if !codePattern.MatchString(normalizeCode(s)) {
			f.Add(fmt.Sprintf("skills_needed[%d]", i), "must be 2 to 40 letters, digits or _, starting with a letter")
		}
	}
}

// productDoc is a product as stored: a plain document with a version.
type productDoc struct {
	SKU              string    `bson:"_id"`
	Name             string    `bson:"name"`
	Brand            string    `bson:"brand"`
	Category         string    `bson:"category"`
	WarrantyMonths   int       `bson:"warranty_months"`
	SkillsNeeded     []string  `bson:"skills_needed"`
	ReturnWindowDays int       `bson:"return_window_days,omitempty"`
	Version          int64     `bson:"version"`
	CreatedAt        time.Time `bson:"created_at"`
	UpdatedAt        time.Time `bson:"updated_at"`
	UpdatedBy        string    `bson:"updated_by"`
}

// fields are the product's changeable fields, normalised (skills de-duplicated).
func (in ProductInput) fields() bson.D {
	skills := []string{}
	for _, s := range in.SkillsNeeded {
		if s = normalizeCode(s); !slices.Contains(skills, s) {
			skills = append(skills, s)
		}
	}
	d := bson.D{{Key: "name", Value: strings.TrimSpace(in.Name)}, {Key: "brand", Value: strings.TrimSpace(in.Brand)},
		{Key: "category", Value: normalizeCode(in.Category)}, {Key: "warranty_months", Value: *in.WarrantyMonths},
		{Key: "skills_needed", Value: skills}}
	if in.ReturnWindowDays != nil {
		return append(d, bson.E{Key: "return_window_days", Value: *in.ReturnWindowDays})
	}
	return d
}

func (d productDoc) toProduct() Product {
	return Product{SKU: d.SKU, Name: d.Name, Brand: d.Brand, Category: d.Category, WarrantyMonths: d.WarrantyMonths,
		SkillsNeeded: d.SkillsNeeded, ReturnWindowDays: d.ReturnWindowDays}
}

// ProductView is a product as the API shows it.
type ProductView struct {
	SKU              string    `json:"sku"`
	Name             string    `json:"name"`
	Brand            string    `json:"brand"`
	Category         string    `json:"category"`
	WarrantyMonths   int       `json:"warranty_months"`
	SkillsNeeded     []string  `json:"skills_needed"`
	ReturnWindowDays int       `json:"return_window_days,omitempty" doc:"absent: the default return window"`
	Version          int64     `json:"version"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func (d productDoc) view() ProductView {
	return ProductView{SKU: d.SKU, Name: d.Name, Brand: d.Brand, Category: d.Category, WarrantyMonths: d.WarrantyMonths,
		SkillsNeeded: d.SkillsNeeded, ReturnWindowDays: d.ReturnWindowDays, Version: d.Version,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// SaveProduct creates the product (in.Version 0) or changes it on in.Version, and
// reports whether it created it. Units already registered keep the warranty they were
// sold with: a change applies to units registered afterwards.
func (s *Service) SaveProduct(ctx context.Context, actor aggregate.Actor, in ProductInput) (ProductView, bool, error) {
	if err := in.Validate(); err != nil {
		return ProductView{}, false, err
	}
	sku, now := NormalizeSKU(in.SKU), s.clock.Now()
	set := append(in.fields(), bson.E{Key: "updated_at", Value: now}, bson.E{Key: "updated_by", Value: actor.ID})
	if in.Version == 0 {
		doc := append(bson.D{{Key: "_id", Value: sku}, {Key: "version", Value: int64(1)}, {Key: "created_at", Value: now}}, set...)
		if err := s.products.Insert(ctx, doc); errors.Is(err, mongox.ErrDuplicate) {
			return ProductView{}, false, apperr.Conflict("product %s already exists; send its version to change it", sku)
		} else if err != nil {
			return ProductView{}, false, err
		}
		return s.productView(ctx, sku, true)
	}
	update := bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}}
	if in.ReturnWindowDays == nil {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "return_window_days", Value: ""}}})
	}
	ok, err := s.products.UpdateByID(ctx, sku, bson.D{{Key: "version", Value: in.Version}}, update)
	if err != nil {
		return ProductView{}, false, err
	}
	if !ok {
		if _, err := s.loadProduct(ctx, sku); err != nil {
			return ProductView{}, false, err
		}
		return ProductView{}, false, apperr.VersionConflict("product")
	}
	return s.productView(ctx, sku, false)
}

func (s *Service) productView(ctx context.Context, sku string, created bool) (ProductView, bool, error) {
	d, err := s.loadProduct(ctx, sku)
	return d.view(), created, err
}

func (s *Service) loadProduct(ctx context.Context, sku string) (productDoc, error) {
	var d productDoc
	err := s.products.FindByID(ctx, NormalizeSKU(sku), &d)
	return d, findNotFound(err, "product")
}

// GetProduct returns the product with sku as the API shows it.
func (s *Service) GetProduct(ctx context.Context, sku string) (ProductView, error) {
	d, err := s.loadProduct(ctx, sku)
	return d.view(), err
}

// ListProducts returns a page of products ordered by SKU, of category when not empty.
func (s *Service) ListProducts(ctx context.Context, category string, page httpx.Page) (httpx.PageResult[ProductView], error) {
	filter := bson.D{}
	if c := normalizeCode(category); c != "" {
		filter = append(filter, bson.E{Key: "category", Value: c})
	}
	var docs []productDoc
	if err := s.products.Find(ctx, page.Filter(filter), &docs, page.FindOptions()); err != nil {
		return httpx.PageResult[ProductView]{}, err
	}
	out := make([]ProductView, len(docs))
	for i, d := range docs {
		out[i] = d.view()
	}
	return httpx.NewPageResult(out, page.Limit, func(p ProductView) string { return p.SKU }), nil
}

// productsBySKU loads the products with skus, keyed by SKU; missing ones are absent.
func (s *Service) productsBySKU(ctx context.Context, skus []string) (map[string]productDoc, error) {
	out := map[string]productDoc{}
	if len(skus) == 0 {
		return out, nil
	}
	var docs []productDoc
	if err := s.products.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: skus}}}}, &docs); err != nil {
		return nil, err
	}
	for _, d := range docs {
		out[d.SKU] = d
	}
	return out, nil
}
