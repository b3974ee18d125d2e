package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/crypto/bcrypt"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/mongox"
)

// Collection names.
const (
	UsersCollection       = "users"
	RefreshCollection     = "refresh_tokens"
	SigningKeysCollection = "signing_keys" // the generated JWT key, see LoadKeys
)

// Defaults for Deps fields left zero.
const (
	DefaultIssuer     = "aftersales"
	DefaultAccessTTL  = 15 * time.Minute
	DefaultRefreshTTL = 30 * 24 * time.Hour
)

// Deps is what the service needs; DB, Keys and Limiter are required.
type Deps struct {
	DB         *mongox.DB
	Publisher  aggregate.Publisher // hands user events to the queue; nil leaves them to the sweeper
	Clock      clock.Clock         // default clock.Real
	Limiter    Limiter             // login attempts per account and per client IP
	Keys       *Keyring            // see LoadKeys
	Issuer     string              // the tokens' iss, default DefaultIssuer
	AccessTTL  time.Duration       // default DefaultAccessTTL
	RefreshTTL time.Duration       // default DefaultRefreshTTL
	BcryptCost int                 // default bcrypt.DefaultCost; tests use bcrypt.MinCost
	Log        *slog.Logger        // default: discard
}

// Service manages users, logins and tokens.
type Service struct {
	users     *aggregate.Store
	refresh   *refreshStore
	tokens    *tokens
	limiter   Limiter
	clock     clock.Clock
	cost      int
	dummyHash []byte // compared against on unknown accounts, so they cost as much as known ones
	log       *slog.Logger
}

// NewService checks d, fills in defaults and returns the service.
func NewService(d Deps) (*Service, error) {
	if d.DB == nil || d.Keys == nil || d.Limiter == nil {
		return nil, errors.New("auth: Deps needs DB, Keys and Limiter")
	}
	d = withDefaults(d)
	dummy, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), d.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: bcrypt cost %d: %w", d.BcryptCost, err)
	}
	return &Service{
		users:     aggregate.NewStore(d.DB, UsersCollection, "user", d.Publisher, d.Clock),
		refresh:   &refreshStore{coll: d.DB.Collection(RefreshCollection), clock: d.Clock, ttl: d.RefreshTTL},
		tokens:    newTokens(d.Keys, d.Issuer, d.AccessTTL, d.Clock),
		limiter:   d.Limiter,
		clock:     d.Clock,
		cost:      d.BcryptCost,
		dummyHash: dummy,
		log:       d.Log,
	}, nil
}

func withDefaults(d Deps) Deps {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	if d.Issuer == "" {
		d.Issuer = DefaultIssuer
	}
	if d.AccessTTL <= 0 {
		d.AccessTTL = DefaultAccessTTL
	}
	if d.RefreshTTL <= 0 {
		d.RefreshTTL = DefaultRefreshTTL
	}
	if d.BcryptCost == 0 {
		d.BcryptCost = bcrypt.DefaultCost
	}
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return d
}

// Collections lists the aggregate collections whose outboxes the sweeper must watch.
func Collections() []string { return []string{UsersCollection} }

// EnsureIndexes creates the users' and refresh tokens' indexes.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	users := append(aggregate.Indexes(),
		mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetName("email_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "phone_key", Value: 1}}, Options: options.Index().SetName("phone_key_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "role", Value: 1}, {Key: "_id", Value: 1}}},
	)
	if err := ensureEach(ctx, s.users.Collection(), users); err != nil {
		return err
	}
	return ensureEach(ctx, s.refresh.coll, s.refresh.indexes())
}

// ensureEach creates indexes one per command: FerretDB v1 drops the connection when
// one createIndexes names two or more indexes that already exist (every restart).
func ensureEach(ctx context.Context, coll *mongox.Collection, models []mongo.IndexModel) error {
	for _, m := range models {
		if err := coll.EnsureIndexes(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// SweepExpired deletes expired refresh tokens and reports how many. It runs
// periodically (see TypeSweepRefreshTokens): FerretDB has no TTL indexes.
func (s *Service) SweepExpired(ctx context.Context) (int64, error) {
	return s.refresh.sweep(ctx)
}

// Session is what a login or a refresh returns.
type Session struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type" doc:"always Bearer"`
	ExpiresIn    int64  `json:"expires_in" doc:"seconds until the access token expires"`
	RefreshToken string `json:"refresh_token" doc:"single use: each refresh returns a new one"`
	User         User   `json:"user"`
}

// startSession issues an access token and a refresh token of family (new when empty).
func (s *Service) startSession(ctx context.Context, u userDoc, family, aud, device string) (Session, error) {
	access, _, err := s.tokens.issue(u.principal(aud, device))
	if err != nil {
		return Session{}, err
	}
	refresh, err := s.refresh.issue(ctx, family, u.ID, aud, device)
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, TokenType: "Bearer", ExpiresIn: int64(s.tokens.ttl / time.Second),
		RefreshToken: refresh, User: u.toUser()}, nil
}

// Verify checks an access token for audience aud and returns its principal. Every
// failure is the same 401; the reason goes to the debug log only.
func (s *Service) Verify(ctx context.Context, token, aud string) (Principal, error) {
	p, err := s.tokens.verify(token, aud)
	if err != nil {
		s.log.DebugContext(ctx, "access token refused", "err", err)
		return Principal{}, errUnauthorized()
	}
	return p, nil
}
