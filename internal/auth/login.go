package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/mongox"
)

// ErrInvalidCredentials answers every failed login alike (unknown account, wrong
// password, disabled user), so a caller cannot probe which accounts exist.
var ErrInvalidCredentials = &apperr.Error{Code: apperr.CodeUnauthorized, Message: "invalid credentials"}

func errUnauthorized() error { return apperr.Unauthorized() }

// mobileRoles may sign in to the mobile API.
var mobileRoles = []string{RoleTechnician}

// LoginInput is a password login. Exactly one of Email and Phone names the account.
type LoginInput struct {
	Email    string
	Phone    string
	Password string
	Audience string // AudStaff or AudMobile
	DeviceID string // required for AudMobile; carried in its tokens
	IP       string // the client's address, for the rate limit
}

func (in LoginInput) validate() error {
	f := apperr.Fields{}
	switch {
	case in.Email == "" && in.Phone == "":
		f.Add("email", "is required")
	case in.Email != "" && in.Phone != "":
		f.Add("phone", "give either email or phone, not both")
	}
	f.Required("password", in.Password)
	f.OneOf("audience", in.Audience, Audiences()...)
	if in.Audience == AudMobile {
		f.Required("device_id", in.DeviceID)
		f.MaxLen("device_id", in.DeviceID, 128)
	}
	return f.Err()
}

// account is the login name the rate limit counts against and the filter that finds it.
func (in LoginInput) account() (string, bson.D) {
	if in.Email != "" {
		e := normalizeEmail(in.Email)
		return "email:" + e, bson.D{{Key: "email", Value: e}}
	}
	p := Profile{Phone: in.Phone}.normalize().Phone
	// phone as well as phone_key: users without a phone hold a placeholder phone_key.
	return "phone:" + p, bson.D{{Key: "phone_key", Value: p}, {Key: "phone", Value: p}}
}

// Login checks a password and starts a session. Every credential failure is
// ErrInvalidCredentials; too many attempts for the account or the IP is 429.
func (s *Service) Login(ctx context.Context, in LoginInput) (Session, error) {
	if err := in.validate(); err != nil {
		return Session{}, err
	}
	name, filter := in.account()
	if err := s.checkRate(ctx, name, in.IP); err != nil {
		return Session{}, err
	}
	u, err := s.checkPassword(ctx, filter, in.Password)
	if err != nil {
		return Session{}, err
	}
	if u.Disabled || (in.Audience == AudMobile && !slices.Contains(mobileRoles, u.Role)) {
		return Session{}, ErrInvalidCredentials
	}
	return s.startSession(ctx, u, "", in.Audience, in.DeviceID)
}

// checkPassword finds the account and compares the password. An unknown account
// still pays for one bcrypt comparison, so response time does not tell it apart.
func (s *Service) checkPassword(ctx context.Context, filter bson.D, password string) (userDoc, error) {
	var u userDoc
	err := s.users.Collection().FindOne(ctx, filter, &u)
	if errors.Is(err, mongox.ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return u, ErrInvalidCredentials
	}
	if err != nil {
		return u, err
	}
	if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		return u, ErrInvalidCredentials
	}
	return u, nil
}

// checkRate counts the attempt against the account and the client IP, both always,
// so an attacker spraying many accounts from one IP is still counted there.
func (s *Service) checkRate(ctx context.Context, account, ip string) error {
	sum := sha256.Sum256([]byte(account)) // keep login names out of Redis
	keys := []string{"login:acct:" + hex.EncodeToString(sum[:16])}
	if ip = strings.TrimSpace(ip); ip != "" {
		keys = append(keys, "login:ip:"+ip)
	}
	limited := false
	for _, k := range keys {
		ok, err := s.limiter.Allow(ctx, k)
		if err != nil {
			s.log.ErrorContext(ctx, "login rate limit unavailable", "err", err)
			return apperr.New(apperr.CodeUnavailable, "sign-in is unavailable; try again shortly")
		}
		limited = limited || !ok
	}
	if limited {
		return apperr.New(apperr.CodeRateLimited, "too many sign-in attempts; wait a minute and try again")
	}
	return nil
}

// Refresh rotates a refresh token of audience aud: the token is consumed and a new
// access and refresh token of the same family are issued. The user is read again, so
// a changed role takes effect and a disabled user is turned away.
func (s *Service) Refresh(ctx context.Context, token, aud string) (Session, error) {
	if !wellFormed(token) {
		return Session{}, errUnauthorized()
	}
	d, err := s.refresh.use(ctx, token, aud)
	if err != nil {
		return Session{}, s.refused(ctx, err)
	}
	var u userDoc
	err = s.users.Load(ctx, d.UserID, &u)
	switch {
	case err != nil && !errors.Is(err, apperr.ErrNotFound):
		return Session{}, err
	case err != nil || u.Disabled:
		if err := s.refresh.revokeFamily(ctx, d.Family); err != nil {
			return Session{}, err
		}
		return Session{}, s.refused(ctx, errRefreshDead)
	}
	return s.startSession(ctx, u, d.Family, aud, d.DeviceID)
}

func (s *Service) refused(ctx context.Context, err error) error {
	if errors.Is(err, errRefreshUnknown) || errors.Is(err, errRefreshDead) || errors.Is(err, errRefreshReused) {
		s.log.InfoContext(ctx, "refresh refused", "err", err)
		return errUnauthorized()
	}
	return err
}

// Logout revokes the family of token: the session it belongs to ends on every device
// copy. An unknown token is already logged out.
func (s *Service) Logout(ctx context.Context, token string) error {
	if !wellFormed(token) {
		return nil
	}
	return s.refresh.revokeToken(ctx, token)
}
