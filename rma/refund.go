package rma

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/queue"
)

// Refund record statuses.
const (
	RefundPending = "pending" // approved on the RMA; finance is to pay it
	RefundPaid    = "paid"
)

// Refund pays money back on a return (once inspected) or a refund-only RMA (once
// approved), at most the price of what the customer gives up. Agents and supervisors
// refund; a warehouse may not. The refund record for finance is filed by an event of
// the same write (and at once, on the fast path); the RMA then closes.
func (s *Service) Refund(ctx context.Context, p auth.Principal, id string, in RefundInput) (*RMA, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r, err := s.act(ctx, p, id, func(r *RMA) (action, change, error) {
		if _, err := next(r, p.Role, actRefund); err != nil {
			return "", change{}, err
		}
		if r.RefundBlocked {
			return "", change{}, errBlocked
		}
		f := apperr.Fields{}
		if cur := strings.ToUpper(strings.TrimSpace(in.Currency)); cur != r.Currency {
			f.Add("currency", "must be %s, the currency the goods were paid in", r.Currency)
		}
		if limit := r.refundCap(); *in.Amount > limit {
			f.Add("amount", "must be at most %d, the price of the goods refunded", limit)
		}
		if err := f.Err(); err != nil {
			return "", change{}, err
		}
		rf := Refund{ID: refundID(r.ID), Amount: *in.Amount, Currency: r.Currency, Method: in.Method, By: p.UserID, At: s.clock.Now()}
		return actRefund, change{note: fmt.Sprintf("%d %s by %s", rf.Amount, rf.Currency, rf.Method),
			set:    bson.D{{Key: "refund", Value: rf}},
			events: []aggregate.Event{aggregate.NewEvent(TypeRefundRecorded, queue.Default, Ref{RMAID: r.ID}), closeEvent(r)}}, nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.fileRefund(ctx, id); err != nil {
		s.log.WarnContext(ctx, "filing the refund record failed; its event retries", "rma_id", id, "err", err)
	}
	return r, nil
}

// refundID derives the refund record's id from its RMA's: one refund per RMA, and
// filing it twice is a duplicate key.
func refundID(rmaID string) string { return "RF-" + strings.TrimPrefix(rmaID, "RMA-") }

// RefundRecord is a refund for finance to pay, as stored.
type RefundRecord struct {
	ID            string     `bson:"_id"`
	RMAID         string     `bson:"rma_id"`
	CustomerID    string     `bson:"customer_id"`
	SalesOrderIDs []string   `bson:"sales_order_ids"`
	Amount        int64      `bson:"amount"`
	Currency      string     `bson:"currency"`
	Method        string     `bson:"method"`
	Status        string     `bson:"status"`
	ApprovedBy    string     `bson:"approved_by"`
	ApprovedAt    time.Time  `bson:"approved_at"`
	Reference     string     `bson:"reference,omitempty"`
	PaidBy        string     `bson:"paid_by,omitempty"`
	PaidAt        *time.Time `bson:"paid_at,omitempty"`

	aggregate.Base `bson:",inline"`
}

// fileRefund files the refund record of RMA id; filing it again changes nothing.
func (s *Service) fileRefund(ctx context.Context, id string) error {
	r, err := s.load(ctx, id)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && r.Refund == nil) {
		return nil
	}
	if err != nil {
		return err
	}
	rf := r.Refund
	rec := RefundRecord{ID: rf.ID, RMAID: r.ID, CustomerID: r.CustomerID, SalesOrderIDs: r.SalesOrderIDs, Amount: rf.Amount,
		Currency: rf.Currency, Method: rf.Method, Status: RefundPending, ApprovedBy: rf.By, ApprovedAt: rf.At}
	err = s.refunds.Create(ctx, rec.ID, rec, aggregate.Entry{Actor: aggregate.System.ID, Role: aggregate.System.Role,
		Action: "filed", To: RefundPending, Note: "refund of RMA " + r.ID + " approved by " + rf.By})
	if errors.Is(err, apperr.ErrConflict) {
		return nil
	}
	return err
}

// RefundView is a refund record as finance sees it.
type RefundView struct {
	ID            string            `json:"id"`
	RMAID         string            `json:"rma_id"`
	CustomerID    string            `json:"customer_id"`
	SalesOrderIDs []string          `json:"sales_order_ids"`
	Amount        int64             `json:"amount" doc:"minor units"`
	Currency      string            `json:"currency"`
	Method        string            `json:"method"`
	Status        string            `json:"status" doc:"pending or paid"`
	ApprovedBy    string            `json:"approved_by"`
	ApprovedAt    time.Time         `json:"approved_at"`
	Reference     string            `json:"reference,omitempty"`
	PaidBy        string            `json:"paid_by,omitempty"`
	PaidAt        *time.Time        `json:"paid_at,omitempty"`
	Version       int64             `json:"version"`
	History       []aggregate.Entry `json:"history,omitempty"`
}

func (d RefundRecord) view() RefundView {
	return RefundView{ID: d.ID, RMAID: d.RMAID, CustomerID: d.CustomerID, SalesOrderIDs: d.SalesOrderIDs, Amount: d.Amount,
		Currency: d.Currency, Method: d.Method, Status: d.Status, ApprovedBy: d.ApprovedBy, ApprovedAt: d.ApprovedAt,
		Reference: d.Reference, PaidBy: d.PaidBy, PaidAt: d.PaidAt, Version: d.Version, History: d.History}
}

// ListRefunds returns a page of refund records, of status when not empty.
func (s *Service) ListRefunds(ctx context.Context, status string, page httpx.Page) (httpx.PageResult[RefundView], error) {
	filter := bson.D{}
	if status != "" {
		if status != RefundPending && status != RefundPaid {
			return httpx.PageResult[RefundView]{}, apperr.Fields{"status": "must be one of: pending, paid"}.Err()
		}
		filter = append(filter, bson.E{Key: "status", Value: status})
	}
	var docs []RefundRecord
	if err := s.refunds.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(noHistory)); err != nil {
		return httpx.PageResult[RefundView]{}, err
	}
	views := make([]RefundView, len(docs))
	for i, d := range docs {
		views[i] = d.view()
	}
	return httpx.NewPageResult(views, page.Limit, func(v RefundView) string { return v.ID }), nil
}

// MarkPaid records that finance paid a pending refund.
func (s *Service) MarkPaid(ctx context.Context, p auth.Principal, id string, in PaidInput) (RefundView, error) {
	if err := in.Validate(); err != nil {
		return RefundView{}, err
	}
	var d RefundRecord
	if err := s.refunds.Load(ctx, id, &d); err != nil {
		return RefundView{}, err
	}
	if d.Status != RefundPending {
		return RefundView{}, apperr.Conflict("the refund is already %s", d.Status)
	}
	now, ref := s.clock.Now(), strings.TrimSpace(in.Reference)
	err := s.refunds.Apply(ctx, aggregate.Change{ID: id, Version: d.Version, Where: bson.D{{Key: "status", Value: RefundPending}},
		Set: bson.D{{Key: "status", Value: RefundPaid}, {Key: "reference", Value: ref}, {Key: "paid_by", Value: p.UserID},
			{Key: "paid_at", Value: now}},
		Entry: aggregate.Entry{Actor: p.UserID, Role: p.Role, Action: "paid", From: RefundPending, To: RefundPaid, Note: ref}})
	if err != nil {
		return RefundView{}, err
	}
	if err := s.refunds.Load(ctx, id, &d); err != nil {
		return RefundView{}, err
	}
	return d.view(), nil
}
