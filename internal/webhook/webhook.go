// Package webhook delivers events to warehouse and outlet systems as HMAC-SHA256 signed
// HTTP POSTs. A delivery is an outbox event on the warehouse or outlet queue naming its
// target, not its URL or secret: those are looked up when it is sent, so a secret never
// sits in Redis and a rotated one applies to deliveries still queued. A failed delivery
// returns an error and Asynq retries it with backoff; the queue monitor shows it.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/clock"
)

// TypeDeliver is the task that sends one webhook.
const TypeDeliver = "webhook:deliver"

// Headers of a delivery.
const (
	HeaderEvent     = "X-Aftersales-Event"
	HeaderDelivery  = "X-Aftersales-Delivery" // the event id: receivers deduplicate on it
	HeaderTimestamp = "X-Aftersales-Timestamp"
	HeaderSignature = "X-Aftersales-Signature" // "sha256=" + hex HMAC of timestamp + "." + body
)

// Target names who receives a delivery: a warehouse or an outlet.
type Target struct {
	Kind string `json:"kind"` // "warehouse" or "outlet"
	ID   string `json:"id"`
}

// Delivery is the task payload.
type Delivery struct {
	Target Target          `json:"target"`
	Event  string          `json:"event"` // e.g. "rma.routed"
	Body   json.RawMessage `json:"body"`
}

// NewEvent builds the outbox event that delivers body to target on queue.
func NewEvent(target Target, event, queueName string, body any) aggregate.Event {
	b, err := json.Marshal(body)
	if err != nil {
		panic(fmt.Sprintf("webhook: marshal %s body: %v", event, err))
	}
	e := aggregate.NewEvent(TypeDeliver, queueName, Delivery{Target: target, Event: event, Body: b})
	e.MaxRetry = 10 // receivers are other companies' systems: give them hours to recover
	return e
}

// Endpoint is where and how a target receives webhooks.
type Endpoint struct {
	URL    string
	Secret string
}

// Endpoints looks up a target's endpoint; ok is false when it has none configured.
type Endpoints interface {
	Endpoint(ctx context.Context, t Target) (e Endpoint, ok bool, err error)
}

// Sign returns the signature header value for body sent at ts.
func Sign(secret string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts.Unix())
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature as a receiver would, refusing timestamps older than maxAge.
func Verify(secret, signature, timestamp string, body []byte, now time.Time, maxAge time.Duration) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return false
	}
	ts := time.Unix(sec, 0)
	if now.Sub(ts) > maxAge || ts.Sub(now) > maxAge {
		return false
	}
	return hmac.Equal([]byte(signature), []byte(Sign(secret, ts, body)))
}

// ValidateURL accepts absolute http(s) URLs only; it is called when an endpoint is
// configured so a bad one is a 400 then, not a failed delivery later.
func ValidateURL(f apperr.Fields, field, raw string) {
	if raw == "" {
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		f.Add(field, "must be an absolute http(s) URL without credentials")
	}
}

// Sender is the handler of TypeDeliver.
type Sender struct {
	endpoints Endpoints
	client    *http.Client
	clock     clock.Clock
}

// NewSender returns a sender; client nil uses one with a 10 s timeout.
func NewSender(endpoints Endpoints, client *http.Client, c clock.Clock) *Sender {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Sender{endpoints: endpoints, client: client, clock: c}
}

// ProcessTask sends one delivery; a target without an endpoint needs none.
func (s *Sender) ProcessTask(ctx context.Context, t *asynq.Task) error {
	env, err := aggregate.EnvelopeOf(t)
	if err != nil {
		return err
	}
	var d Delivery
	if err := env.Decode(&d); err != nil {
		return err
	}
	ep, ok, err := s.endpoints.Endpoint(ctx, d.Target)
	if err != nil || !ok {
		return err
	}
	return s.post(ctx, ep, env.EventID, d)
}

func (s *Sender) post(ctx context.Context, ep Endpoint, deliveryID string, d Delivery) error {
	now := s.clock.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(d.Body))
	if err != nil {
		return fmt.Errorf("webhook %s: %v: %w", d.Event, err, asynq.SkipRetry)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderDelivery, deliveryID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(ep.Secret, now, d.Body))
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s to %s %s: %w", d.Event, d.Target.Kind, d.Target.ID, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s to %s %s: receiver answered %s", d.Event, d.Target.Kind, d.Target.ID, resp.Status)
	}
	return nil
}
