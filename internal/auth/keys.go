package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/clock"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// MinSecretLen is the shortest HS256 secret accepted: the hash's own size.
const MinSecretLen = 32

// Key is one HMAC signing key and the id (kid) tokens name it by.
type Key struct {
	ID     string
	Secret []byte
}

// Keyring holds the keys tokens are verified with. The first key signs; the others
// still verify, so a key can be rotated out without logging everyone out.
type Keyring struct {
	keys []Key
}

// NewKeyring returns a keyring; the first key signs.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("auth: keyring needs at least one key")
	}
	seen := map[string]bool{}
	for _, k := range keys {
		switch {
		case k.ID == "" || strings.ContainsAny(k.ID, ":, "):
			return nil, fmt.Errorf("auth: key id %q must be non-empty without ':', ',' or spaces", k.ID)
		case seen[k.ID]:
			return nil, fmt.Errorf("auth: key id %q appears twice", k.ID)
		case len(k.Secret) < MinSecretLen:
			return nil, fmt.Errorf("auth: key %q secret must be at least %d bytes", k.ID, MinSecretLen)
		}
		seen[k.ID] = true
	}
	return &Keyring{keys: append([]Key(nil), keys...)}, nil
}

// ParseKeys reads "kid:secret,kid:secret" (the JWT_KEYS setting); the first key signs.
func ParseKeys(spec string) (*Keyring, error) {
	var keys []Key
	for _, part := range strings.Split(spec, ",") {
		kid, secret, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			return nil, errors.New("auth: JWT_KEYS entries must be kid:secret")
		}
		keys = append(keys, Key{ID: kid, Secret: []byte(secret)})
	}
	return NewKeyring(keys...)
}

// Signing is the key new tokens are signed with.
func (k *Keyring) Signing() Key { return k.keys[0] }

// secret returns the secret for kid, if the keyring has it.
func (k *Keyring) secret(kid string) ([]byte, bool) {
	for _, key := range k.keys {
		if key.ID == kid {
			return key.Secret, true
		}
	}
	return nil, false
}

// keyDoc is the generated signing key kept in MongoDB.
type keyDoc struct {
	ID        string    `bson:"_id"`
	KID       string    `bson:"kid"`
	Secret    []byte    `bson:"secret"`
	CreatedAt time.Time `bson:"created_at"`
}

// generatedKeyID is the _id of the one generated key: a fixed id turns concurrent
// first starts into an insert race that exactly one wins.
const generatedKeyID = "jwt"

// LoadKeys returns the keyring for spec (JWT_KEYS). When spec is empty it uses the key
// kept in the signing_keys collection, generating and storing one on the first start, so
// tokens stay valid across restarts and every server of a deployment signs alike.
func LoadKeys(ctx context.Context, db *mongox.DB, spec string, c clock.Clock) (*Keyring, error) {
	if strings.TrimSpace(spec) != "" {
		return ParseKeys(spec)
	}
	coll := db.Collection(SigningKeysCollection)
	var d keyDoc
	err := coll.FindByID(ctx, generatedKeyID, &d)
	if errors.Is(err, mongox.ErrNotFound) {
		err = insertGeneratedKey(ctx, coll, c)
		if err == nil {
			err = coll.FindByID(ctx, generatedKeyID, &d)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("auth: signing key: %w", err)
	}
	return NewKeyring(Key{ID: d.KID, Secret: d.Secret})
}

func insertGeneratedKey(ctx context.Context, coll *mongox.Collection, c clock.Clock) error {
	secret := make([]byte, 64)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	d := keyDoc{ID: generatedKeyID, KID: strings.ToLower(ids.ULID()), Secret: secret, CreatedAt: c.Now()}
	err := coll.Insert(ctx, d)
	if errors.Is(err, mongox.ErrDuplicate) {
		return nil // another server stored one first; everyone uses that
	}
	return err
}
