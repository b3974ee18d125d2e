package registry

import (
	"context"
	"net/http"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
)

// MaxBulk is the most orders one bulk import takes.
const MaxBulk = 500

// Statuses of one order in a bulk import.
const (
	BulkCreated  = "created"
	BulkExisting = "existing"
	BulkInvalid  = "invalid" // a client error: the item's error says which (validation, conflict…)
	BulkFailed   = "failed"  // a server error: retry the bulk, imports are idempotent
)

// BulkItem is one order of a bulk import as the handler decoded it: Input, or the
// decoding error Err. Shop and ShopOrderNo label the answer even when Err is set.
type BulkItem struct {
	Input             SalesOrderInput
	Err               error
	Shop, ShopOrderNo string
}

// BulkResult is the answer for one order of a bulk import.
type BulkResult struct {
	Index       int           `json:"index" doc:"position of the order in the request, from 0"`
	Shop        string        `json:"shop,omitempty"`
	ShopOrderNo string        `json:"shop_order_no"`
	Status      string        `json:"status" doc:"created, existing, invalid or failed"`
	ID          string        `json:"id,omitempty" doc:"the sales order's id when created or existing"`
	Error       *apperr.Error `json:"error,omitempty" doc:"why the order was not imported, with per-field details"`
}

// BulkResponse answers a bulk import, one result per order in request order.
type BulkResponse struct {
	Results  []BulkResult `json:"results"`
	Created  int          `json:"created"`
	Existing int          `json:"existing"`
	Invalid  int          `json:"invalid"`
	Failed   int          `json:"failed"`
}

// ImportSalesOrders imports each item on its own: a bad item is reported and the
// others are imported. Only a request with no items or too many fails as a whole.
func (s *Service) ImportSalesOrders(ctx context.Context, actor aggregate.Actor, items []BulkItem) (BulkResponse, error) {
	if len(items) == 0 || len(items) > MaxBulk {
		return BulkResponse{}, (apperr.Fields{"body": "must be an array of 1 to 500 orders"}).Err()
	}
	resp := BulkResponse{Results: make([]BulkResult, len(items))}
	for i, it := range items {
		r := BulkResult{Index: i, Shop: it.Shop, ShopOrderNo: it.ShopOrderNo}
		err := it.Err
		if err == nil {
			var v SalesOrderView
			var created bool
			v, created, err = s.ImportSalesOrder(ctx, actor, it.Input)
			r.ID, r.Status = v.ID, BulkExisting
			if created {
				r.Status = BulkCreated
			}
		}
		if err != nil {
			r.ID, r.Status, r.Error = "", BulkInvalid, apperr.Public(err)
			if apperr.Status(err) >= http.StatusInternalServerError {
				r.Status = BulkFailed
				s.log.ErrorContext(ctx, "bulk import item failed", "index", i, "shop_order_no", it.ShopOrderNo, "err", err)
			}
		}
		resp.count(r.Status)
		resp.Results[i] = r
	}
	return resp, nil
}

func (r *BulkResponse) count(status string) {
	switch status {
	case BulkCreated:
		r.Created++
	case BulkExisting:
		r.Existing++
	case BulkInvalid:
		r.Invalid++
	default:
		r.Failed++
	}
}
