package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/internal/queue"
)

// CreateUser validates in and creates the user, recording actor in its history.
func (s *Service) CreateUser(ctx context.Context, actor aggregate.Actor, in CreateUserInput) (User, error) {
	id := ids.New("USR")
	d, err := newUserDoc(id, in)
	if err != nil {
		return User{}, err
	}
	if d.PasswordHash, err = bcrypt.GenerateFromPassword([]byte(in.Password), s.cost); err != nil {
		return User{}, fmt.Errorf("hash password: %w", err)
	}
	ev := aggregate.NewEvent(TypeUserCreated, queue.Default, UserCreated{UserID: id, Role: d.Role})
	entry := aggregate.Entry{Actor: actor.ID, Role: actor.Role, Action: "created", To: d.Role}
	if err := s.users.Create(ctx, id, d, entry, ev); err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			return User{}, s.taken(ctx, d.Email, d.PhoneKey)
		}
		return User{}, err
	}
	return s.GetUser(ctx, id)
}

// taken says which unique field of a new or changed user another user already holds.
func (s *Service) taken(ctx context.Context, email, phoneKey string) error {
	details := map[string]string{}
	for field, filter := range map[string]bson.D{
		"email": {{Key: "email", Value: email}},
		"phone": {{Key: "phone_key", Value: phoneKey}},
	} {
		if n, err := s.users.Collection().Count(ctx, filter); err == nil && n > 0 {
			details[field] = "is already used by another user"
		}
	}
	return &apperr.Error{Code: apperr.CodeConflict, Message: "another user has the same details", Details: details}
}

// GetUser returns the user with id.
func (s *Service) GetUser(ctx context.Context, id string) (User, error) {
	var d userDoc
	if err := s.users.Load(ctx, id, &d); err != nil {
		return User{}, err
	}
	return d.toUser(), nil
}

// listProjection leaves out what a list never shows.
var listProjection = bson.D{{Key: "password_hash", Value: 0}, {Key: "history", Value: 0},
	{Key: "outbox", Value: 0}, {Key: "outbox_dead", Value: 0}}

// ListUsers returns a page of users ordered by id, of role when role is not empty.
func (s *Service) ListUsers(ctx context.Context, role string, page httpx.Page) (httpx.PageResult[User], error) {
	filter := bson.D{}
	if role != "" {
		f := apperr.Fields{}
		if !f.OneOf("role", role, Roles()...) {
			return httpx.PageResult[User]{}, f.Err()
		}
		filter = append(filter, bson.E{Key: "role", Value: role})
	}
	var docs []userDoc
	if err := s.users.Collection().Find(ctx, page.Filter(filter), &docs, page.FindOptions().SetProjection(listProjection)); err != nil {
		return httpx.PageResult[User]{}, err
	}
	users := make([]User, len(docs))
	for i, d := range docs {
		users[i] = d.toUser()
	}
	return httpx.NewPageResult(users, page.Limit, func(u User) string { return u.ID }), nil
}

// UpdateUser applies in to the user with id in one conditional update on in.Version.
// Disabling a user queues TypeUserDisabled, whose handler ends their sessions.
func (s *Service) UpdateUser(ctx context.Context, actor aggregate.Actor, id string, in UpdateUserInput) (User, error) {
	if err := in.Validate(); err != nil {
		return User{}, err
	}
	var d userDoc
	if err := s.users.Load(ctx, id, &d); err != nil {
		return User{}, err
	}
	if d.Version != in.Version {
		return User{}, apperr.VersionConflict("user")
	}
	p, err := planUpdate(d, in)
	if err != nil {
		return User{}, err
	}
	if actor.ID == id && (slices.Contains(p.changed, "role") || slices.Contains(p.changed, "disabled")) {
		return User{}, apperr.Forbidden("you cannot change your own role or disable yourself")
	}
	if in.Password != nil {
		if err := s.planPassword(&p, *in.Password); err != nil {
			return User{}, err
		}
	}
	if len(p.changed) == 0 {
		return d.toUser(), nil
	}
	if err := s.users.Apply(ctx, s.change(actor, d, in.Version, p)); err != nil {
		if errors.Is(err, mongox.ErrDuplicate) {
			return User{}, s.taken(ctx, "", phoneKey(id, p.profile.Phone))
		}
		return User{}, err
	}
	return s.GetUser(ctx, id)
}

func (s *Service) planPassword(p *plan, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	p.changed = append(p.changed, "password")
	p.set = append(p.set, bson.E{Key: "password_hash", Value: hash})
	return nil
}

func (s *Service) change(actor aggregate.Actor, d userDoc, version int64, p plan) aggregate.Change {
	c := aggregate.Change{ID: d.ID, Version: version, Set: p.set, Entry: aggregate.Entry{
		Actor: actor.ID, Role: actor.Role, Action: "updated", Note: "changed: " + strings.Join(p.changed, ", "),
	}}
	if d.Role != p.profile.Role {
		c.Entry.From, c.Entry.To = d.Role, p.profile.Role
	}
	if !d.Disabled && p.disabled {
		c.Events = append(c.Events, aggregate.NewEvent(TypeUserDisabled, queue.Default, UserDisabled{UserID: d.ID}))
	}
	return c
}

// EnsureAdmin creates an admin with email when there is no admin yet, and is a no-op
// otherwise, so it runs at every start. With an empty password it generates one and
// returns it, for the caller to show once; it returns "" when it created nobody.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) (string, error) {
	n, err := s.users.Collection().Count(ctx, bson.D{{Key: "role", Value: RoleAdmin}})
	if err != nil || n > 0 {
		return "", err
	}
	generated := ""
	if password == "" {
		password = rand.Text()
		generated = password
	}
	in := CreateUserInput{Email: email, Password: password, Name: "Administrator", Role: RoleAdmin}
	_, err = s.CreateUser(ctx, aggregate.System, in)
	if errors.Is(err, apperr.ErrConflict) {
		return "", s.adminRaced(ctx, email)
	}
	if err != nil {
		return "", fmt.Errorf("admin account: %w", err)
	}
	return generated, nil
}

// adminRaced accepts losing the creation race to another server starting at the same
// time, and refuses an admin email that already belongs to someone who is not admin.
func (s *Service) adminRaced(ctx context.Context, email string) error {
	var d userDoc
	if err := s.users.Collection().FindOne(ctx, bson.D{{Key: "email", Value: normalizeEmail(email)}}, &d); err != nil {
		return fmt.Errorf("admin account: %w", err)
	}
	if d.Role != RoleAdmin {
		return fmt.Errorf("admin account: %s belongs to a %s user", d.Email, d.Role)
	}
	return nil
}
