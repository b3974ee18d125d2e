package mobileapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
)

const maxCompletionParts = 50

// PartUsed is a part fitted on the job.
type PartUsed struct {
	PartNo          string `json:"part_no"`
	NewSerial       string `json:"new_serial,omitempty" doc:"the fitted part's serial; required for serialised parts"`
	DefectiveSerial string `json:"defective_serial,omitempty" doc:"the replaced part's serial, to be returned"`
}

// CompleteRequest is the technician's completion report.
type CompleteRequest struct {
	ResolutionCode string     `json:"resolution_code"`
	FaultFound     string     `json:"fault_found"`
	WorkDone       string     `json:"work_done"`
	Parts          []PartUsed `json:"parts,omitempty" doc:"at most 50"`
	SignatureID    string     `json:"signature_id,omitempty" doc:"the signature uploaded to this job; default its latest"`
}

// Validate checks the shape; orders and parts check the rest.
func (r CompleteRequest) Validate() error {
	f := apperr.Fields{}
	if len(r.Parts) > maxCompletionParts {
		f.Add("parts", "must have at most %d parts", maxCompletionParts)
	}
	for i, pt := range r.Parts {
		f.Required(fmt.Sprintf("parts[%d].part_no", i), strings.TrimSpace(pt.PartNo))
	}
	f.MaxLen("signature_id", r.SignatureID, 64)
	if err := f.Err(); err != nil {
		return err
	}
	return r.orderInput("").Validate()
}

func (r CompleteRequest) orderInput(sig string) orders.CompleteInput {
	in := orders.CompleteInput{ResolutionCode: r.ResolutionCode, FaultFound: r.FaultFound, WorkDone: r.WorkDone,
		SignatureRef: sig}
	if sig == "" {
		in.SignatureRef = "none" // checked separately; orders requires a reference
	}
	for _, pt := range r.Parts {
		if pt.NewSerial != "" {
			in.PartsConsumed = append(in.PartsConsumed, pt.NewSerial)
		}
	}
	return in
}

// Complete records the completion of the caller's job id: the parts first (each once,
// even when the request is retried), then the order moves to completed, which tells
// fees, parts and the complaint.
func (s *Service) Complete(ctx context.Context, p auth.Principal, id string, r CompleteRequest) (JobView, error) {
	if _, err := s.job(ctx, p, id); err != nil {
		return JobView{}, err
	}
	if err := r.Validate(); err != nil {
		return JobView{}, err
	}
	sig, err := s.completionSignature(ctx, id, r.SignatureID)
	if err != nil {
		return JobView{}, err
	}
	for i, pt := range r.Parts {
		if err := s.consume(ctx, p, id, i, pt); err != nil {
			return JobView{}, err
		}
	}
	o, err := s.orders.Complete(ctx, p, id, r.orderInput(sig))
	if err != nil {
		return JobView{}, err
	}
	return jobView(o, p.TechnicianID), nil
}

// completionSignature is the signature's photo id; missing is a 400 when required.
func (s *Service) completionSignature(ctx context.Context, orderID, id string) (string, error) {
	if id != "" {
		ph, err := s.photo(ctx, "signature_id", orderID, id)
		if err == nil && ph.Slot != SlotSignature {
			return "", apperr.Fields{"signature_id": "is not a signature"}.Err()
		}
		return ph.ID, err
	}
	ph, err := s.signature(ctx, orderID)
	switch {
	case err != nil:
		return "", err
	case ph != nil:
		return ph.ID, nil
	case s.cfg.SignatureOptional:
		return "", nil
	}
	return "", apperr.Fields{"signature_id": "the customer's signature is required: upload it first"}.Err()
}

type consumedDoc struct {
	ID            string `bson:"_id"`
	OrderID       string `bson:"order_id"`
	ConsumptionID string `bson:"consumption_id"`
}

// consume records part i once: a retried completion skips the parts already recorded.
func (s *Service) consume(ctx context.Context, p auth.Principal, orderID string, i int, pt PartUsed) error {
	key := strings.Join([]string{orderID, parts.NormalizePartNo(pt.PartNo), pt.NewSerial, pt.DefectiveSerial}, "|")
	var done consumedDoc
	err := s.consumed.FindByID(ctx, key, &done)
	switch {
	case err == nil:
		return nil
	case !errors.Is(err, mongox.ErrNotFound):
		return err
	}
	c, err := s.parts.Consume(ctx, p, parts.ConsumeInput{OrderID: orderID, PartNo: pt.PartNo, NewSerial: pt.NewSerial,
		DefectiveSerial: pt.DefectiveSerial})
	if err != nil {
		return partError(i, err)
	}
	if err := s.consumed.Insert(ctx, consumedDoc{ID: key, OrderID: orderID, ConsumptionID: c.ID}); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return err
	}
	return nil
}

// partError names the part a parts error is about.
func partError(i int, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || apperr.Status(err) >= 500 {
		return err
	}
	out := &apperr.Error{Code: ae.Code, Message: fmt.Sprintf("parts[%d]: %s", i, ae.Message)}
	if ae.Code == apperr.CodeNotFound {
		out.Code = apperr.CodeValidation // the job is found; it is the part that is not
	}
	for k, v := range ae.Details {
		if out.Details == nil {
			out.Details = map[string]string{}
		}
		out.Details[fmt.Sprintf("parts[%d].%s", i, k)] = v
	}
	if out.Code == apperr.CodeValidation && out.Details == nil {
		out.Details = map[string]string{fmt.Sprintf("parts[%d]", i): ae.Message}
	}
	return out
}
