package complaints_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/complaints"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/registry"
)

func TestBadIntakeIsRefusedWithFieldDetailsAndNothingWritten(t *testing.T) {
	e := newEnv(t)
	otherOrder := e.otherOrder()
	for _, tc := range []struct {
		name   string
		change []func(map[string]any)
		want   map[string]string
	}{
		{"unknown category", []func(map[string]any){with("category", "broken")},
			map[string]string{"category": "must be one of: " + strings.Join(complaints.Categories(), ", ")}},
		{"unknown channel", []func(map[string]any){with("channel", "fax")},
			map[string]string{"channel": "must be one of: " + strings.Join(complaints.Channels(), ", ")}},
		{"missing customer", []func(map[string]any){func(m map[string]any) { delete(m, "customer_id") }},
			map[string]string{"customer_id": "is required"}},
		{"unknown customer", []func(map[string]any){with("customer_id", "CUS-NOPE")},
			map[string]string{"customer_id": "no such customer"}},
		{"serial of another customer", []func(map[string]any){with("serial", "SN-LI-1")},
			map[string]string{"serial": "is registered to another customer"}},
		{"unknown serial", []func(map[string]any){with("serial", "SN-NOBODY")},
			map[string]string{"serial": "no such registered unit"}},
		{"sales order of another customer", []func(map[string]any){with("sales_order_id", otherOrder)},
			map[string]string{"sales_order_id": "belongs to another customer"}},
		{"description too long", []func(map[string]any){with("description", strings.Repeat("x", 6000))},
			map[string]string{"description": "must be at most 5000 characters"}},
		{"empty description", []func(map[string]any){with("description", "  ")},
			map[string]string{"description": "is required"}},
		{"unknown and repeated flags", []func(map[string]any){with("flags", []string{"vip", "media", "media"})},
			map[string]string{"flags[0]": "must be one of: loss_involved, media, service_unusable", "flags[2]": "is repeated"}},
		{"wrong type", []func(map[string]any){with("description", 42)},
			map[string]string{"description": "must be a string"}},
		{"unknown field", []func(map[string]any){with("priority", "high")},
			map[string]string{"priority": "unknown field"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), e.intake(tc.change...))
			assert.Equal(t, http.StatusBadRequest, r.Code, r.String())
			assert.Equal(t, tc.want, details(t, r))
			assert.Zero(t, e.Count(complaints.ComplaintsCollection))
		})
	}
}

// otherOrder is the sales order that sold the other customer's unit.
func (e *env) otherOrder() string {
	e.t.Helper()
	var page registry.SalesOrderList
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/sales-orders?customer_id="+e.other, e.agent.tok(), nil)).JSON(e.t, &page)
	require.Len(e.t, page.Items, 1)
	return page.Items[0].ID
}

func TestAttachmentsAreCheckedOneByOne(t *testing.T) {
	e := newEnv(t)
	good := map[string]any{"name": "photo.jpg", "content_type": "image/jpeg", "size": 204800, "url": "https://files.example.com/a.jpg"}
	bad := map[string]any{"name": "", "content_type": "jpeg", "size": 0, "url": "ftp://x"}
	r := e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), e.intake(with("attachments", []any{good, bad})))
	assert.Equal(t, map[string]string{
		"attachments[1].name":         "is required",
		"attachments[1].content_type": "must be a media type like image/jpeg",
		"attachments[1].size":         fmt.Sprintf("must be from 1 to %d bytes", complaints.MaxAttachmentSize),
		"attachments[1].url":          "must be an http(s) URL of at most 2048 characters",
	}, details(t, r))

	eleven := make([]any, 11)
	for i := range eleven {
		eleven[i] = good
	}
	r = e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), e.intake(with("attachments", eleven)))
	assert.Equal(t, map[string]string{"attachments": "must hold at most 10 attachments"}, details(t, r))
	assert.Zero(t, e.Count(complaints.ComplaintsCollection))

	c := e.create(with("attachments", []any{good}))
	assert.Equal(t, []complaints.Attachment{{Name: "photo.jpg", ContentType: "image/jpeg", Size: 204800, URL: "https://files.example.com/a.jpg"}}, c.Attachments)
}

func TestTenMegabyteDescriptionIsRefusedByTheBodyLimit(t *testing.T) {
	e := newEnv(t)
	body := e.intake(with("description", strings.Repeat("x", 10<<20)))
	r := e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), body)
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Code, "%d", r.Code)
	assert.Contains(t, string(r.Body), "payload_too_large")
	assert.Zero(t, e.Count(complaints.ComplaintsCollection))
}

func TestComplaintAboutAUnitKeepsItsWarrantyAndTellsTheUnitHistory(t *testing.T) {
	e := newEnv(t)
	c := e.create(with("serial", strings.ToLower(e.serial)), with("category", "quality_fault"))
	assert.Equal(t, e.serial, c.Serial, "serials are stored in the registry's form")
	assert.Equal(t, e.order, c.SalesOrder, "the sales order comes from the unit")
	require.NotNil(t, c.Unit)
	assert.Equal(t, "AC-100", c.Unit.SKU)
	assert.True(t, c.Unit.InWarranty)
	assert.Contains(t, e.pendingTypes(c.ID), registry.TypeUnitTouched, "written with the complaint")

	e.RunDue()
	var unit struct {
		History []struct{ Kind, Ref string } `json:"history"`
	}
	e.must(http.StatusOK, e.Do(http.MethodGet, "/api/v1/units/"+e.serial, e.agent.tok(), nil)).JSON(t, &unit)
	var refs []string
	for _, h := range unit.History {
		if h.Kind == registry.KindComplaint {
			refs = append(refs, h.Ref)
		}
	}
	assert.Equal(t, []string{c.ID}, refs)
}

func TestSerialFromAnotherSalesOrderOfTheCustomerIsRefused(t *testing.T) {
	e := newEnv(t)
	second := e.sell(e.customer, "SN-ZHANG-2")
	r := e.Do(http.MethodPost, "/api/v1/complaints", e.agent.tok(), e.intake(with("serial", e.serial), with("sales_order_id", second)))
	assert.Equal(t, map[string]string{"serial": "was not sold on this sales order"}, details(t, r))
	assert.Zero(t, e.Count(complaints.ComplaintsCollection))
}

func TestOnlyAgentsAndSupervisorsTakeInComplaints(t *testing.T) {
	e := newEnv(t)
	for _, role := range []string{auth.RoleDispatcher, auth.RoleFinance, auth.RoleAdmin} {
		r := e.Do(http.MethodPost, "/api/v1/complaints", e.As(role), e.intake())
		assert.Equal(t, http.StatusForbidden, r.Code, role)
	}
	wh, _ := e.User(auth.CreateUserInput{Role: auth.RoleWarehouse, WarehouseID: "WH-1"})
	assert.Equal(t, http.StatusForbidden, e.Do(http.MethodPost, "/api/v1/complaints", wh, e.intake()).Code)
	assert.Equal(t, http.StatusUnauthorized, e.Do(http.MethodPost, "/api/v1/complaints", "", e.intake()).Code)
	assert.Zero(t, e.Count(complaints.ComplaintsCollection))

	e.must(http.StatusCreated, e.Do(http.MethodPost, "/api/v1/complaints", e.supervisor.tok(), e.intake()))
}

func TestIntakeWithIdempotencyKeyIsTakenInOnce(t *testing.T) {
	e := newEnv(t)
	tok := e.agent.tok()
	first := e.Do(http.MethodPost, "/api/v1/complaints", tok, e.intake(), "Idempotency-Key", "call-123")
	second := e.Do(http.MethodPost, "/api/v1/complaints", tok, e.intake(), "Idempotency-Key", "call-123")
	require.Equal(t, http.StatusCreated, first.Code, first.String())
	assert.Equal(t, first.Map(t)["id"], second.Map(t)["id"])
	assert.Equal(t, int64(1), e.Count(complaints.ComplaintsCollection))
}
