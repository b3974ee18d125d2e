package mobileapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

const maxSyncActions = 100

// Sync action types.
const (
	ActionAccept      = "accept"
	ActionDecline     = "decline"
	ActionAppointment = "appointment"
	ActionComplete    = "complete"
)

// ActionTypes lists what a sync batch may carry.
func ActionTypes() []string {
	return []string{ActionAccept, ActionDecline, ActionAppointment, EventEnRoute, EventCheckIn, EventCheckOut, ActionComplete}
}

// SyncAction is one action the phone queued while offline.
type SyncAction struct {
	IdempotencyKey string          `json:"idempotency_key" doc:"unique per action; a replay returns the first answer"`
	Type           string          `json:"type" doc:"accept, decline, appointment, en_route, check_in, check_out or complete"`
	JobID          string          `json:"job_id"`
	DeviceTime     string          `json:"device_time" doc:"RFC 3339: when the action was taken on the device"`
	Payload        json.RawMessage `json:"payload,omitempty" doc:"the body the action's own endpoint takes"`
}

// SyncRequest is a batch of queued actions, applied in order.
type SyncRequest struct {
	DeviceTime string       `json:"device_time" doc:"RFC 3339: the device clock when the batch was sent; relates the actions' times to the server's"`
	Actions    []SyncAction `json:"actions" doc:"1 to 100"`
}

// Validate checks the batch; each action is checked when it is applied, so one bad
// action does not hold back the others.
func (r SyncRequest) Validate() error {
	f := apperr.Fields{}
	if f.Required("device_time", r.DeviceTime) {
		if _, err := time.Parse(time.RFC3339, r.DeviceTime); err != nil {
			f.Add("device_time", "must be an RFC 3339 time")
		}
	}
	if len(r.Actions) == 0 || len(r.Actions) > maxSyncActions {
		f.Add("actions", "must have 1 to %d actions", maxSyncActions)
	}
	return f.Err()
}

// SyncResult answers one action.
type SyncResult struct {
	IdempotencyKey string          `json:"idempotency_key"`
	Status         int             `json:"status" doc:"the HTTP status the action's own endpoint would answer"`
	Replayed       bool            `json:"replayed" doc:"the stored answer of an earlier delivery; nothing was applied again"`
	Body           json.RawMessage `json:"body"`
}

// SyncResponse answers a batch, one result per action in order.
type SyncResponse struct {
	Results []SyncResult `json:"results"`
}

// Sync applies a batch in order, each action under its own idempotency key scoped to
// the technician, through the same store as the Idempotency-Key header.
func (s *Service) Sync(ctx context.Context, p auth.Principal, r SyncRequest) (SyncResponse, error) {
	if err := r.Validate(); err != nil {
		return SyncResponse{}, err
	}
	sent, _ := time.Parse(time.RFC3339, r.DeviceTime)
	off := s.clock.Now().Sub(sent)
	out := SyncResponse{Results: make([]SyncResult, 0, len(r.Actions))}
	for _, a := range r.Actions {
		res, err := s.syncOne(ctx, p, a, off)
		if err != nil {
			return SyncResponse{}, err
		}
		out.Results = append(out.Results, res)
	}
	return out, nil
}

// syncOne applies one action once. Client errors are answered and remembered like a
// success (a replay gets the same answer); server errors are not remembered, so the
// phone may retry, and stop the batch: later actions may depend on this one.
func (s *Service) syncOne(ctx context.Context, p auth.Principal, a SyncAction, off time.Duration) (SyncResult, error) {
	r := SyncResult{IdempotencyKey: a.IdempotencyKey}
	if err := httpx.CheckIdempotencyKey(a.IdempotencyKey); err != nil {
		r.Status, r.Body = errorResult(apperr.Fields{"idempotency_key": "must be 1 to 128 printable ASCII characters"}.Err())
		return r, nil
	}
	fp := sha256.Sum256(bytes.Join([][]byte{[]byte(a.Type), []byte(a.JobID), []byte(a.DeviceTime), a.Payload}, []byte{0}))
	scope := "mobile-sync\x00" + p.TechnicianID
	res, replayed, err := s.idem.Do(ctx, scope, a.IdempotencyKey, fp[:], func() (httpx.Result, error) {
		return s.apply(ctx, p, a, off)
	})
	if err != nil {
		if apperr.Status(err) >= 500 {
			return r, err
		}
		r.Status, r.Body = errorResult(err)
		return r, nil
	}
	r.Status, r.Body, r.Replayed = res.Status, res.Body, replayed
	return r, nil
}

// apply runs one action; a client error becomes its stored answer.
func (s *Service) apply(ctx context.Context, p auth.Principal, a SyncAction, off time.Duration) (httpx.Result, error) {
	status, v, err := s.dispatchAction(ctx, p, a, off)
	if err != nil {
		if apperr.Status(err) >= 500 {
			return httpx.Result{}, err
		}
		st, body := errorResult(err)
		return httpx.Result{Status: st, ContentType: "application/json", Body: body}, nil
	}
	body, err := json.Marshal(v)
	if err != nil {
		return httpx.Result{}, err
	}
	return httpx.Result{Status: status, ContentType: "application/json", Body: body}, nil
}

func (s *Service) dispatchAction(ctx context.Context, p auth.Principal, a SyncAction, off time.Duration) (int, any, error) {
	switch a.Type {
	case ActionAccept:
		v, err := s.Accept(ctx, p, a.JobID)
		return http.StatusOK, v, err
	case ActionDecline:
		var in DeclineRequest
		if err := decode(a.Payload, &in); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, map[string]string{"status": "declined"}, s.Decline(ctx, p, a.JobID, in)
	case ActionAppointment:
		var in AppointmentRequest
		if err := decode(a.Payload, &in); err != nil {
			return 0, nil, err
		}
		v, err := s.Appointment(ctx, p, a.JobID, in)
		return http.StatusOK, v, err
	case EventEnRoute, EventCheckIn, EventCheckOut:
		var in EventInput
		if err := decode(a.Payload, &in); err != nil {
			return 0, nil, err
		}
		if in.DeviceTime == "" {
			in.DeviceTime = a.DeviceTime
		}
		v, err := s.recordEvent(ctx, p, a.Type, a.JobID, in, &off)
		return http.StatusCreated, v, err
	case ActionComplete:
		var in CompleteRequest
		if err := decode(a.Payload, &in); err != nil {
			return 0, nil, err
		}
		v, err := s.Complete(ctx, p, a.JobID, in)
		return http.StatusOK, v, err
	}
	return 0, nil, apperr.Fields{"type": fmt.Sprintf("must be one of %v", ActionTypes())}.Err()
}

// decode reads an action's payload as strictly as a request body.
func decode(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	return httpx.Decode(raw, v)
}

// errorResult is the status and body an error answers with.
func errorResult(err error) (int, []byte) {
	pub := apperr.Public(err)
	body, mErr := json.Marshal(pub)
	if mErr != nil {
		return http.StatusInternalServerError, []byte(`{"code":"internal","message":"internal error"}`)
	}
	return apperr.Status(err), body
}
