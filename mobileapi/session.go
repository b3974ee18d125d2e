package mobileapi

import (
	"context"
	"errors"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// LoginRequest is a technician's sign-in: a phone number or staff id, a password and
// the device it comes from.
type LoginRequest struct {
	Phone    string `json:"phone,omitempty"`
	StaffID  string `json:"staff_id,omitempty" doc:"the user id (USR-…) printed on the staff card"`
	Password string `json:"password"`
	DeviceID string `json:"device_id" doc:"a stable id of the phone; carried in the tokens"`
}

// Validate reports missing fields.
func (r LoginRequest) Validate() error {
	f := apperr.Fields{}
	switch {
	case r.Phone == "" && r.StaffID == "":
		f.Add("phone", "give phone or staff_id")
	case r.Phone != "" && r.StaffID != "":
		f.Add("staff_id", "give either phone or staff_id, not both")
	}
	f.MaxLen("staff_id", r.StaffID, 64)
	f.Required("password", r.Password)
	if f.Required("device_id", r.DeviceID) {
		f.MaxLen("device_id", r.DeviceID, 128)
	}
	return f.Err()
}

// LoginResponse is the session with what the server made of the device.
type LoginResponse struct {
	auth.Session
	NewDevice bool `json:"new_device" doc:"first sign-in from this device while others are known; recorded and flagged"`
}

// Login signs a technician in from a device and records the device.
func (s *Service) Login(ctx context.Context, r LoginRequest, ip string) (LoginResponse, error) {
	in := auth.LoginInput{Phone: strings.TrimSpace(r.Phone), Password: r.Password, Audience: auth.AudMobile,
		DeviceID: strings.TrimSpace(r.DeviceID), IP: ip}
	if r.StaffID != "" {
		u, err := s.sessions.GetUser(ctx, strings.TrimSpace(r.StaffID))
		if err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				// unknown ids fail like a wrong password: nothing learnt about accounts
				in.Email = "unknown-" + strings.ToLower(idChars(r.StaffID)) + "@invalid"
			} else {
				return LoginResponse{}, err
			}
		} else {
			in.Email = u.Email
		}
	}
	sess, err := s.sessions.Login(ctx, in)
	if err != nil {
		return LoginResponse{}, err
	}
	fresh, err := s.bindDevice(ctx, sess.User.TechnicianID, sess.User.ID, in.DeviceID)
	if err != nil {
		s.log.ErrorContext(ctx, "device not recorded", "user", sess.User.ID, "err", err)
	}
	return LoginResponse{Session: sess, NewDevice: fresh}, nil
}

// idChars keeps only the characters of an id, so nothing odd reaches the login filter.
func idChars(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Refresh rotates a mobile refresh token.
func (s *Service) Refresh(ctx context.Context, token string) (auth.Session, error) {
	return s.sessions.Refresh(ctx, token, auth.AudMobile)
}

// Logout ends the session of a refresh token.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.sessions.Logout(ctx, token)
}
