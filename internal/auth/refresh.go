package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// refreshDoc is a refresh token as stored: only its hash, so a copy of the database
// cannot be replayed as sessions. Tokens issued from one login share a family.
type refreshDoc struct {
	ID        string     `bson:"_id"` // hex SHA-256 of the token
	Family    string     `bson:"family"`
	UserID    string     `bson:"user_id"`
	Audience  string     `bson:"audience"`
	DeviceID  string     `bson:"device_id,omitempty"`
	IssuedAt  time.Time  `bson:"issued_at"`
	ExpiresAt time.Time  `bson:"expires_at"`
	UsedAt    *time.Time `bson:"used_at,omitempty"`
	Revoked   bool       `bson:"revoked"`
}

// refreshStore keeps refresh tokens in the refresh_tokens collection.
type refreshStore struct {
	coll  *mongox.Collection
	clock clock.Clock
	ttl   time.Duration
}

func (r *refreshStore) indexes() []mongo.IndexModel {
	return []mongo.IndexModel{
		{Keys: bson.D{{Key: "family", Value: 1}}},
		{Keys: bson.D{{Key: "user_id", Value: 1}}},
		{Keys: bson.D{{Key: "expires_at", Value: 1}}},
	}
}

// issue stores a new token of family (a new family when empty) and returns the token.
func (r *refreshStore) issue(ctx context.Context, family, userID, aud, device string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	if family == "" {
		family = ids.New("RTF")
	}
	now := r.clock.Now()
	d := refreshDoc{ID: hashToken(token), Family: family, UserID: userID, Audience: aud,
		DeviceID: device, IssuedAt: now, ExpiresAt: now.Add(r.ttl)}
	if err := r.coll.Insert(ctx, d); err != nil {
		return "", fmt.Errorf("store refresh token: %w", err)
	}
	return token, nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Why a refresh token was refused; the client sees only 401, the log sees these.
var (
	errRefreshUnknown = errors.New("refresh token unknown")
	errRefreshDead    = errors.New("refresh token revoked, expired or for another audience")
	errRefreshReused  = errors.New("refresh token reused: family revoked")
)

// use consumes token for aud and returns what it was issued for. A token that was
// already used is a replay, by a thief or by the owner after a thief: either way the
// whole family is revoked, which logs both out.
func (r *refreshStore) use(ctx context.Context, token, aud string) (refreshDoc, error) {
	var d refreshDoc
	if err := r.coll.FindByID(ctx, hashToken(token), &d); err != nil {
		if errors.Is(err, mongox.ErrNotFound) {
			return d, errRefreshUnknown
		}
		return d, err
	}
	now := r.clock.Now()
	if d.Revoked || !now.Before(d.ExpiresAt) || d.Audience != aud {
		return d, errRefreshDead
	}
	ok := false
	if d.UsedAt == nil {
		var err error
		if ok, err = r.markUsed(ctx, d.ID, now); err != nil {
			return d, err
		}
	}
	if !ok { // used before, or by a concurrent request just now
		if err := r.revokeFamily(ctx, d.Family); err != nil {
			return d, err
		}
		return d, errRefreshReused
	}
	return d, nil
}

// markUsed is the one conditional update that lets exactly one request rotate a token.
func (r *refreshStore) markUsed(ctx context.Context, id string, now time.Time) (bool, error) {
	cond := bson.D{{Key: "used_at", Value: bson.D{{Key: "$exists", Value: false}}}, {Key: "revoked", Value: false}}
	return r.coll.UpdateByID(ctx, id, cond, bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now}}}})
}

func (r *refreshStore) revokeFamily(ctx context.Context, family string) error {
	return r.revokeWhere(ctx, bson.D{{Key: "family", Value: family}})
}

func (r *refreshStore) revokeUser(ctx context.Context, userID string) error {
	return r.revokeWhere(ctx, bson.D{{Key: "user_id", Value: userID}})
}

func (r *refreshStore) revokeWhere(ctx context.Context, filter bson.D) error {
	filter = append(filter, bson.E{Key: "revoked", Value: false})
	_, err := r.coll.UpdateMany(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: "revoked", Value: true}}}})
	return err
}

// revokeToken revokes the family of token; an unknown token is already logged out.
func (r *refreshStore) revokeToken(ctx context.Context, token string) error {
	var d refreshDoc
	err := r.coll.FindByID(ctx, hashToken(token), &d)
	if errors.Is(err, mongox.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return r.revokeFamily(ctx, d.Family)
}

// sweep deletes expired tokens; until then used ones stay to detect replays.
func (r *refreshStore) sweep(ctx context.Context) (int64, error) {
	return r.coll.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lte", Value: r.clock.Now()}}}})
}

// wellFormed reports whether s could be a token this package issued, so garbage is
// refused without a database round trip.
func wellFormed(token string) bool {
	b, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && len(b) == 32
}
