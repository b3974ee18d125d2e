package auth

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/ids"
)

// leeway is the clock skew tolerated on exp, nbf and iat between servers.
const leeway = 10 * time.Second

// signingMethod is the only algorithm issued or accepted: pinning it stops "alg: none"
// and algorithm-confusion tokens before any key is looked up.
var signingMethod = jwt.SigningMethodHS256

// claims is the access token's payload.
type claims struct {
	jwt.RegisteredClaims
	Role         string `json:"role"`
	Tier         string `json:"tier,omitempty"`
	WarehouseID  string `json:"warehouse_id,omitempty"`
	OutletID     string `json:"outlet_id,omitempty"`
	TechnicianID string `json:"technician_id,omitempty"`
	DeviceID     string `json:"device_id,omitempty"`
}

// tokens signs and verifies access tokens.
type tokens struct {
	keys    *Keyring
	issuer  string
	ttl     time.Duration
	clock   clock.Clock
	parsers map[string]*jwt.Parser // by audience
}

func newTokens(keys *Keyring, issuer string, ttl time.Duration, c clock.Clock) *tokens {
	t := &tokens{keys: keys, issuer: issuer, ttl: ttl, clock: c, parsers: map[string]*jwt.Parser{}}
	for _, aud := range Audiences() {
		t.parsers[aud] = jwt.NewParser(
			jwt.WithValidMethods([]string{signingMethod.Alg()}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(aud),
			jwt.WithTimeFunc(c.Now),
			jwt.WithLeeway(leeway),
			jwt.WithExpirationRequired(),
			jwt.WithNotBeforeRequired(),
			jwt.WithIssuedAt(),
		)
	}
	return t
}

// issue signs an access token for p and returns it with its expiry.
func (t *tokens) issue(p Principal) (string, time.Time, error) {
	now := t.clock.Now()
	exp := now.Add(t.ttl)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: t.issuer, Subject: p.UserID, Audience: jwt.ClaimStrings{p.Audience},
			ExpiresAt: jwt.NewNumericDate(exp), NotBefore: jwt.NewNumericDate(now),
			IssuedAt: jwt.NewNumericDate(now), ID: ids.ULID(),
		},
		Role: p.Role, Tier: p.Tier, WarehouseID: p.WarehouseID, OutletID: p.OutletID,
		TechnicianID: p.TechnicianID, DeviceID: p.DeviceID,
	}
	key := t.keys.Signing()
	tok := jwt.NewWithClaims(signingMethod, c)
	tok.Header["kid"] = key.ID
	s, err := tok.SignedString(key.Secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return s, exp, nil
}

var errNoSuchKey = errors.New("unknown kid")

// verify checks raw's algorithm, key, signature, issuer, audience and times, and returns
// the principal it names. The error says which check failed, for server logs only.
func (t *tokens) verify(raw, aud string) (Principal, error) {
	parser, ok := t.parsers[aud]
	if !ok {
		return Principal{}, fmt.Errorf("unknown audience %q", aud)
	}
	var c claims
	if _, err := parser.ParseWithClaims(raw, &c, t.key); err != nil {
		return Principal{}, err
	}
	if c.Subject == "" || !slices.Contains(Roles(), c.Role) {
		return Principal{}, errors.New("token lacks a subject or a known role")
	}
	return Principal{UserID: c.Subject, Role: c.Role, Tier: c.Tier, WarehouseID: c.WarehouseID,
		OutletID: c.OutletID, TechnicianID: c.TechnicianID, DeviceID: c.DeviceID, Audience: aud}, nil
}

func (t *tokens) key(tok *jwt.Token) (any, error) {
	kid, _ := tok.Header["kid"].(string)
	secret, ok := t.keys.secret(kid)
	if !ok {
		return nil, errNoSuchKey
	}
	return secret, nil
}
