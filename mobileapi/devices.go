package mobileapi

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Device is a phone a technician has signed in from.
type Device struct {
	ID           string    `bson:"_id" json:"-"`
	TechnicianID string    `bson:"technician_id" json:"technician_id"`
	UserID       string    `bson:"user_id" json:"user_id"`
	DeviceID     string    `bson:"device_id" json:"device_id"`
	FirstSeen    time.Time `bson:"first_seen" json:"first_seen"`
	LastSeen     time.Time `bson:"last_seen" json:"last_seen"`
	Logins       int       `bson:"logins" json:"logins"`
	// NewDevice is set when the technician already had another device: a second phone
	// is a reason to look (a shared account checking in for someone else), not to refuse.
	NewDevice bool `bson:"new_device" json:"new_device"`
}

// bindDevice records that techID signed in from device; it reports whether the device
// is new while the technician already had others.
func (s *Service) bindDevice(ctx context.Context, techID, userID, device string) (bool, error) {
	now := s.clock.Now().UTC()
	id := techID + "|" + device
	var known Device
	if err := s.devices.FindByID(ctx, id, &known); err == nil {
		return false, s.devices.UpsertByID(ctx, id, bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen", Value: now}}},
			{Key: "$inc", Value: bson.D{{Key: "logins", Value: 1}}}})
	}
	others, err := s.devices.Count(ctx, bson.D{{Key: "technician_id", Value: techID}})
	if err != nil {
		return false, err
	}
	fresh := others > 0
	err = s.devices.UpsertByID(ctx, id, bson.D{
		{Key: "$setOnInsert", Value: bson.D{{Key: "technician_id", Value: techID}, {Key: "user_id", Value: userID},
			{Key: "device_id", Value: device}, {Key: "first_seen", Value: now}, {Key: "new_device", Value: fresh}}},
		{Key: "$set", Value: bson.D{{Key: "last_seen", Value: now}}}, {Key: "$inc", Value: bson.D{{Key: "logins", Value: 1}}}})
	if err == nil && fresh {
		s.log.WarnContext(ctx, "technician signed in from a new device", "technician", techID, "device", device)
	}
	return fresh, err
}

// Devices lists the devices techID has signed in from.
func (s *Service) Devices(ctx context.Context, techID string) ([]Device, error) {
	var out []Device
	err := s.devices.Find(ctx, bson.D{{Key: "technician_id", Value: techID}}, &out)
	return out, err
}
