package httpx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
)

// IdempotencyCollection holds one record per (scope, key) seen in the last TTL.
const IdempotencyCollection = "idempotency_keys"

// DefaultIdempotencyTTL is how long a key is remembered when the options give none.
const DefaultIdempotencyTTL = 24 * time.Hour

// IdempotencyKeyHeader is the request header that makes a POST idempotent.
const IdempotencyKeyHeader = "Idempotency-Key"

// ReplayedHeader marks a response that is a stored copy of the first one.
const ReplayedHeader = "Idempotent-Replayed"

const (
	statePending = "pending"
	stateDone    = "done"
	maxKeyLen    = 128
	// saveTimeout bounds the writes that record an outcome; they run even when the
	// client has gone, since the action they describe has already happened.
	saveTimeout = 10 * time.Second
)

// Result is the outcome of an action as a replay returns it.
type Result struct {
	Status      int
	ContentType string
	Location    string
	Body        []byte
}

// IdempotencyOptions configures an IdempotencyStore; zero values take defaults.
type IdempotencyOptions struct {
	TTL    time.Duration // how long a key is remembered; default DefaultIdempotencyTTL
	Clock  clock.Clock   // default clock.Real
	Logger *slog.Logger  // for outcomes that could not be saved; default slog.Default
}

// IdempotencyStore remembers the outcome of actions by key, so a retried request
// returns the first result instead of acting twice.
type IdempotencyStore struct {
	coll  *mongox.Collection
	ttl   time.Duration
	clock clock.Clock
	log   *slog.Logger
}

// NewIdempotencyStore keeps its records in db's idempotency_keys collection.
func NewIdempotencyStore(db *mongox.DB, opts IdempotencyOptions) *IdempotencyStore {
	s := &IdempotencyStore{coll: db.Collection(IdempotencyCollection), ttl: opts.TTL, clock: opts.Clock, log: opts.Logger}
	if s.ttl <= 0 {
		s.ttl = DefaultIdempotencyTTL
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

type idemRecord struct {
	ID          string    `bson:"_id"`
	State       string    `bson:"state"`
	Fingerprint string    `bson:"fingerprint"`
	CreatedAt   time.Time `bson:"created_at"`
	Status      int       `bson:"status,omitempty"`
	ContentType string    `bson:"content_type,omitempty"`
	Location    string    `bson:"location,omitempty"`
	Body        []byte    `bson:"body,omitempty"`
}

func (r idemRecord) result() Result {
	return Result{Status: r.Status, ContentType: r.ContentType, Location: r.Location, Body: r.Body}
}

// EnsureIndexes creates the created_at index the sweep uses.
func (s *IdempotencyStore) EnsureIndexes(ctx context.Context) error {
	return s.coll.EnsureIndexes(ctx, mongo.IndexModel{Keys: bson.D{{Key: "created_at", Value: 1}}})
}

// Sweep deletes records older than the TTL and reports how many went. Run it
// periodically: expiry is a sweep because FerretDB has no TTL indexes.
func (s *IdempotencyStore) Sweep(ctx context.Context) (int64, error) {
	cutoff := s.clock.Now().Add(-s.ttl)
	n, err := s.coll.DeleteMany(ctx, bson.D{{Key: "created_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}})
	if err != nil {
		return 0, fmt.Errorf("sweep idempotency keys: %w", err)
	}
	return n, nil
}

// Do runs fn once per (scope, key). scope names who asks for what (user, method,
// route); fingerprint identifies the request's content. The first call runs fn and
// stores its result unless fn fails or the status is 5xx, in which case the key is
// released so the client may retry. A later call with the same fingerprint returns the
// stored result with replayed set and does not run fn; a different fingerprint is a 422
// idempotency_key_reused error, and a call while the first still runs is a 409
// request_in_progress error.
func (s *IdempotencyStore) Do(ctx context.Context, scope, key string, fingerprint []byte, fn func() (Result, error)) (Result, bool, error) {
	if err := CheckIdempotencyKey(key); err != nil {
		return Result{}, false, err
	}
	own := &idemRecord{ID: recordID(scope, key), State: statePending, Fingerprint: hex.EncodeToString(fingerprint)}
	prior, err := s.claim(ctx, own)
	switch {
	case err != nil:
		return Result{}, false, err
	case prior != nil:
		res, err := priorResult(prior, own.Fingerprint)
		return res, err == nil, err
	}
	res, err := s.run(ctx, own, fn)
	return res, false, err
}

// claim inserts own as the pending record for its key. It returns nil when this call
// owns the key, or the record that already holds it.
func (s *IdempotencyStore) claim(ctx context.Context, own *idemRecord) (*idemRecord, error) {
	// A holder may vanish between our insert and our read (its action failed, or it
	// expired); a few rounds settle who owns the key.
	for range 3 {
		own.CreatedAt = s.clock.Now()
		err := s.coll.Insert(ctx, own)
		if err == nil {
			return nil, nil
		}
		if !errors.Is(err, mongox.ErrDuplicate) {
			return nil, fmt.Errorf("claim idempotency key: %w", err)
		}
		var prior idemRecord
		switch err := s.coll.FindByID(ctx, own.ID, &prior); {
		case errors.Is(err, mongox.ErrNotFound):
			continue
		case err != nil:
			return nil, fmt.Errorf("read idempotency key: %w", err)
		case s.expired(prior):
			if _, err := s.coll.DeleteByID(ctx, own.ID, ownedBy(prior)); err != nil {
				return nil, fmt.Errorf("drop expired idempotency key: %w", err)
			}
			continue
		default:
			return &prior, nil
		}
	}
	return nil, apperr.New(apperr.CodeInProgress, "a request with this Idempotency-Key is being processed; retry later")
}

// ownedBy matches the record only while it is still the one r describes, so a late
// write never touches a record another request has since claimed.
func ownedBy(r idemRecord) bson.D {
	return bson.D{{Key: "state", Value: r.State}, {Key: "created_at", Value: r.CreatedAt}}
}

func (s *IdempotencyStore) expired(r idemRecord) bool {
	return !r.CreatedAt.After(s.clock.Now().Add(-s.ttl))
}

func priorResult(prior *idemRecord, fp string) (Result, error) {
	switch {
	case prior.Fingerprint != fp:
		return Result{}, apperr.New(apperr.CodeIdempotencyReuse, "this Idempotency-Key was used for a different request")
	case prior.State != stateDone:
		return Result{}, apperr.New(apperr.CodeInProgress, "a request with this Idempotency-Key is being processed; retry later")
	default:
		return prior.result(), nil
	}
}

// run executes fn for the key this call owns and records or releases the key.
func (s *IdempotencyStore) run(ctx context.Context, own *idemRecord, fn func() (Result, error)) (res Result, err error) {
	saveCtx := context.WithoutCancel(ctx)
	defer func() {
		// A panicking action must not hold the key until it expires.
		if rec := recover(); rec != nil {
			s.release(saveCtx, *own)
			panic(rec)
		}
	}()
	res, err = fn()
	if err != nil || res.Status >= 500 {
		s.release(saveCtx, *own)
		return res, err
	}
	s.save(saveCtx, *own, res)
	return res, nil
}

// save records the outcome. A failure leaves the key pending rather than free: the
// action has happened, and a retry that ran it again would be worse than a 409.
func (s *IdempotencyStore) save(ctx context.Context, own idemRecord, res Result) {
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	set := bson.D{{Key: "state", Value: stateDone}, {Key: "status", Value: res.Status},
		{Key: "content_type", Value: res.ContentType}, {Key: "location", Value: res.Location}, {Key: "body", Value: res.Body}}
	ok, err := s.coll.UpdateByID(ctx, own.ID, ownedBy(own), bson.D{{Key: "$set", Value: set}})
	if err != nil || !ok {
		s.log.ErrorContext(ctx, "idempotency result not saved", "key_id", own.ID, "err", err, "matched", ok)
	}
}

func (s *IdempotencyStore) release(ctx context.Context, own idemRecord) {
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	if _, err := s.coll.DeleteByID(ctx, own.ID, ownedBy(own)); err != nil {
		s.log.ErrorContext(ctx, "idempotency key not released", "key_id", own.ID, "err", err)
	}
}

// recordID hashes scope and key so that neither length nor characters in a user's
// key reach the database as an _id.
func recordID(scope, key string) string {
	h := sha256.New()
	h.Write([]byte(scope))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}

// CheckIdempotencyKey accepts 1 to 128 printable ASCII characters.
func CheckIdempotencyKey(key string) error {
	ok := len(key) >= 1 && len(key) <= maxKeyLen
	for i := 0; ok && i < len(key); i++ {
		ok = key[i] >= 0x20 && key[i] <= 0x7e
	}
	if ok {
		return nil
	}
	return &apperr.Error{Code: apperr.CodeValidation, Message: "request has invalid fields",
		Details: map[string]string{IdempotencyKeyHeader: fmt.Sprintf("must be 1 to %d printable ASCII characters", maxKeyLen)}}
}
