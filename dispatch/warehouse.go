package dispatch

import (
	"context"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
)

// WarehouseInput creates a warehouse; it is also the request body.
type WarehouseInput struct {
	Name              string   `json:"name"`
	Address           string   `json:"address"`
	Lat               *float64 `json:"lat"`
	Lon               *float64 `json:"lon"`
	Categories        []string `json:"categories" doc:"product categories whose returns it receives"`
	ReceivingCapacity int      `json:"receiving_capacity" doc:"parcels it can receive per day"`
	TimeZone          string   `json:"time_zone,omitempty" doc:"IANA zone its days are counted in; default Asia/Shanghai"`
	WebhookURL        string   `json:"webhook_url,omitempty"`
	WebhookSecret     string   `json:"webhook_secret,omitempty" doc:"write-only, 16 to 128 characters; required with webhook_url"`
	Active            *bool    `json:"active,omitempty" doc:"default true"`
}

// Validate reports every invalid field at once.
func (in WarehouseInput) Validate() error {
	_, err := in.warehouse("")
	return err
}

func (in WarehouseInput) warehouse(id string) (Warehouse, error) {
	f := apperr.Fields{}
	requireCoords(f, "", in.Lat, in.Lon)
	w := Warehouse{ID: id, Name: in.Name, Address: in.Address, Categories: in.Categories,
		ReceivingCapacity: in.ReceivingCapacity, TimeZone: in.TimeZone, Active: true,
		Webhook: Webhook{URL: in.WebhookURL, Secret: in.WebhookSecret}}
	assign(&w.Lat, in.Lat)
	assign(&w.Lon, in.Lon)
	assign(&w.Active, in.Active)
	if w.TimeZone == "" {
		w.TimeZone = DefaultTimeZone
	}
	w = w.normalized()
	w.check(f)
	return w, f.Err()
}

// WarehousePatch changes some fields of a warehouse; absent fields stay as they are.
type WarehousePatch struct {
	Version           int64     `json:"version" doc:"the version you read; a stale one answers 409"`
	Name              *string   `json:"name,omitempty"`
	Address           *string   `json:"address,omitempty"`
	Lat               *float64  `json:"lat,omitempty"`
	Lon               *float64  `json:"lon,omitempty"`
	Categories        *[]string `json:"categories,omitempty"`
	ReceivingCapacity *int      `json:"receiving_capacity,omitempty"`
	TimeZone          *string   `json:"time_zone,omitempty"`
	WebhookURL        *string   `json:"webhook_url,omitempty" doc:"empty removes the webhook"`
	WebhookSecret     *string   `json:"webhook_secret,omitempty"`
	Active            *bool     `json:"active,omitempty"`
}

// Validate checks what can be checked without the stored warehouse.
func (in WarehousePatch) Validate() error {
	if in.Version < 1 {
		return apperr.Fields{"version": "is required: the version you read"}.Err()
	}
	return requireChange(in)
}

func (in WarehousePatch) apply(w Warehouse) (Warehouse, error) {
	for _, p := range []struct{ dst, src *string }{{&w.Name, in.Name}, {&w.Address, in.Address}, {&w.TimeZone, in.TimeZone}} {
		assign(p.dst, p.src)
	}
	assign(&w.Lat, in.Lat)
	assign(&w.Lon, in.Lon)
	assign(&w.Categories, in.Categories)
	assign(&w.ReceivingCapacity, in.ReceivingCapacity)
	assign(&w.Active, in.Active)
	w.Webhook = patchWebhook(w.Webhook, in.WebhookURL, in.WebhookSecret)
	w = w.normalized()
	f := apperr.Fields{}
	w.check(f)
	return w, f.Err()
}

// patchWebhook applies a change of URL and/or secret; an empty URL removes both.
func patchWebhook(w Webhook, url, secret *string) Webhook {
	assign(&w.URL, url)
	assign(&w.Secret, secret)
	if url != nil && strings.TrimSpace(*url) == "" {
		return Webhook{}
	}
	return w
}

func (w Warehouse) normalized() Warehouse {
	w.Name, w.Address, w.TimeZone = strings.TrimSpace(w.Name), strings.TrimSpace(w.Address), strings.TrimSpace(w.TimeZone)
	w.Categories = cleanSlugs(w.Categories)
	w.Webhook.URL = strings.TrimSpace(w.Webhook.URL)
	return w
}

func (w Warehouse) check(f apperr.Fields) {
	checkText(f, "name", w.Name, maxNameLen)
	checkText(f, "address", w.Address, maxAddressLen)
	checkCoords(f, "", w.Lat, w.Lon)
	checkSlugs(f, "categories", w.Categories, true, false)
	checkIntRange(f, "receiving_capacity", int64(w.ReceivingCapacity), 1, maxReceiving)
	checkTimeZone(f, w.TimeZone)
	checkWebhook(f, w.Webhook)
}

func (w Warehouse) fields() []field {
	return []field{{"name", w.Name}, {"address", w.Address}, {"lat", w.Lat}, {"lon", w.Lon},
		{"categories", w.Categories}, {"receiving_capacity", w.ReceivingCapacity}, {"time_zone", w.TimeZone},
		{"webhook", w.Webhook}, {"active", w.Active}}
}

// WarehouseView is a warehouse as the API shows it: the webhook secret never leaves.
type WarehouseView struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Address           string            `json:"address"`
	Lat               float64           `json:"lat"`
	Lon               float64           `json:"lon"`
	Categories        []string          `json:"categories"`
	ReceivingCapacity int               `json:"receiving_capacity"`
	TimeZone          string            `json:"time_zone"`
	WebhookConfigured bool              `json:"webhook_configured"`
	Active            bool              `json:"active"`
	Version           int64             `json:"version"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
	History           []aggregate.Entry `json:"history,omitempty" doc:"every change; only when reading one warehouse"`
}

func (d warehouseDoc) view() WarehouseView {
	w := d.Warehouse
	return WarehouseView{ID: w.ID, Name: w.Name, Address: w.Address, Lat: w.Lat, Lon: w.Lon, Categories: w.Categories,
		ReceivingCapacity: w.ReceivingCapacity, TimeZone: w.TimeZone, WebhookConfigured: w.Webhook.Configured(),
		Active: w.Active, Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, History: d.History}
}

// CreateWarehouse validates in and creates the warehouse.
func (s *Service) CreateWarehouse(ctx context.Context, p auth.Principal, in WarehouseInput) (WarehouseView, error) {
	id := ids.New("WH")
	w, err := in.warehouse(id)
	if err != nil {
		return WarehouseView{}, err
	}
	entry := aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "created"}
	if err := s.warehouses.Create(ctx, id, warehouseDoc{Warehouse: w}, entry, networkChanged("warehouse", id, "created")); err != nil {
		return WarehouseView{}, err
	}
	s.changed(ctx)
	return s.GetWarehouse(ctx, p, id)
}

// GetWarehouse returns the warehouse with its history.
func (s *Service) GetWarehouse(ctx context.Context, _ auth.Principal, id string) (WarehouseView, error) {
	var d warehouseDoc
	if err := s.warehouses.Load(ctx, id, &d); err != nil {
		return WarehouseView{}, err
	}
	return d.view(), nil
}

// WarehouseFilter narrows a warehouse list.
type WarehouseFilter struct {
	Active   *bool
	Category string
}

// ListWarehouses returns a page of warehouses ordered by id.
func (s *Service) ListWarehouses(ctx context.Context, _ auth.Principal, q WarehouseFilter, page httpx.Page) (httpx.PageResult[WarehouseView], error) {
	filter := bson.D{}
	if q.Active != nil {
		filter = append(filter, bson.E{Key: "active", Value: *q.Active})
	}
	if q.Category != "" {
		filter = append(filter, bson.E{Key: "categories", Value: q.Category})
	}
	var docs []warehouseDoc
	if err := s.warehouses.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(withoutLog)); err != nil {
		return httpx.PageResult[WarehouseView]{}, err
	}
	views := make([]WarehouseView, len(docs))
	for i, d := range docs {
		views[i] = d.view()
	}
	return httpx.NewPageResult(views, page.Limit, func(v WarehouseView) string { return v.ID }), nil
}

// UpdateWarehouse applies in to the warehouse in one conditional update on in.Version.
func (s *Service) UpdateWarehouse(ctx context.Context, p auth.Principal, id string, in WarehousePatch) (WarehouseView, error) {
	if err := in.Validate(); err != nil {
		return WarehouseView{}, err
	}
	var d warehouseDoc
	if err := s.warehouses.Load(ctx, id, &d); err != nil {
		return WarehouseView{}, err
	}
	if d.Version != in.Version {
		return WarehouseView{}, apperr.VersionConflict("warehouse")
	}
	w, err := in.apply(d.Warehouse)
	if err != nil {
		return WarehouseView{}, err
	}
	set, names := diff(d.Warehouse.fields(), w.fields())
	if len(set) == 0 {
		return d.view(), nil
	}
	err = s.warehouses.Apply(ctx, aggregate.Change{ID: id, Version: in.Version, Set: set,
		Entry:  aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "updated", Note: "changed: " + strings.Join(names, ", ")},
		Events: []aggregate.Event{networkChanged("warehouse", id, "updated")}})
	if err != nil {
		return WarehouseView{}, err
	}
	s.changed(ctx)
	return s.GetWarehouse(ctx, p, id)
}
