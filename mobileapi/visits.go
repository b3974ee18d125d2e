package mobileapi

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
	"github.com/aftersales/aftersales/orders"
)

// EventInput is an en-route, check-in or check-out as the phone reports it.
type EventInput struct {
	Lat        *float64 `json:"lat"`
	Lon        *float64 `json:"lon"`
	AccuracyM  *float64 `json:"accuracy_m" doc:"metres, as the device's location service reports it"`
	DeviceTime string   `json:"device_time" doc:"RFC 3339: the device clock when the event happened"`
	PhotoID    string   `json:"photo_id,omitempty" doc:"a photo uploaded to this job beforehand"`
}

// Validate reports every missing or out-of-range field.
func (in EventInput) Validate() error {
	f := apperr.Fields{}
	for name, v := range map[string]*float64{"lat": in.Lat, "lon": in.Lon, "accuracy_m": in.AccuracyM} {
		if v == nil {
			f.Add(name, "is required")
		}
	}
	if in.Lat != nil {
		f.Range("lat", *in.Lat, -90, 90)
	}
	if in.Lon != nil {
		f.Range("lon", *in.Lon, -180, 180)
	}
	if in.AccuracyM != nil {
		f.Range("accuracy_m", *in.AccuracyM, 0, 100000)
	}
	if f.Required("device_time", in.DeviceTime) {
		if _, err := time.Parse(time.RFC3339, in.DeviceTime); err != nil {
			f.Add("device_time", "must be an RFC 3339 time")
		}
	}
	f.MaxLen("photo_id", in.PhotoID, 64)
	return f.Err()
}

func (in EventInput) deviceTime() time.Time {
	t, _ := time.Parse(time.RFC3339, in.DeviceTime)
	return t.UTC()
}

// stageOf is the order stage each event reports; a check-out moves no order (the
// completion does).
var stageOf = map[string]string{EventEnRoute: orders.StageEnRoute, EventCheckIn: orders.StageOnSite}

// clockOffset is how a sync batch's device clock relates to the server's: server time
// minus the batch's device time when it was sent. Nil for a live event.
type clockOffset = *time.Duration

// RecordEvent records a visit event of type typ on the caller's job id, judges it and
// moves the order. The event is kept whatever the rules or the order say.
func (s *Service) RecordEvent(ctx context.Context, p auth.Principal, typ, id string, in EventInput) (VisitEvent, error) {
	return s.recordEvent(ctx, p, typ, id, in, nil)
}

func (s *Service) recordEvent(ctx context.Context, p auth.Principal, typ, id string, in EventInput, off clockOffset) (VisitEvent, error) {
	o, err := s.job(ctx, p, id)
	if err != nil {
		return VisitEvent{}, err
	}
	return s.recordFor(ctx, p, typ, o, in, off)
}

// recordFor records the event on o, a job already checked to be the caller's.
func (s *Service) recordFor(ctx context.Context, p auth.Principal, typ string, o *orders.ServiceOrder, in EventInput, off clockOffset) (VisitEvent, error) {
	if err := in.Validate(); err != nil {
		return VisitEvent{}, err
	}
	ev := s.newEvent(p, typ, o, in, off)
	j, err := s.judge(ctx, &ev, o, off)
	if err != nil {
		return VisitEvent{}, err
	}
	if err := s.attachPhoto(ctx, &ev, &j, in.PhotoID); err != nil {
		return VisitEvent{}, err
	}
	ev.Flags, ev.Metrics = j.flags, j.metrics
	if err := s.moveOrder(ctx, p, &ev, in); err != nil {
		return VisitEvent{}, err
	}
	if err := s.events.Insert(ctx, ev); err != nil {
		return VisitEvent{}, err
	}
	s.countAttendance(ctx, ev)
	return ev, nil
}

func (s *Service) newEvent(p auth.Principal, typ string, o *orders.ServiceOrder, in EventInput, off clockOffset) VisitEvent {
	now := s.clock.Now().UTC()
	dev := in.deviceTime()
	ev := VisitEvent{ID: ids.New("VEV"), Type: typ, OrderID: o.ID, TechnicianID: p.TechnicianID, UserID: p.UserID,
		DeviceID: p.DeviceID, ServerTime: now, DeviceTime: &dev, At: now, Lat: *in.Lat, Lon: *in.Lon,
		AccuracyM: *in.AccuracyM, CoordKey: coordKey(*in.Lat, *in.Lon), SiteKey: siteKey(o), Flags: []string{}}
	if off != nil {
		ev.Offline = true
		if at := dev.Add(*off); at.Before(now) {
			ev.At = at
		}
	}
	return ev
}

// siteKey names where the job is: the customer's address, else the order itself.
func siteKey(o *orders.ServiceOrder) string {
	if o.Site != nil && o.Site.AddressID != "" {
		return o.Site.AddressID
	}
	return o.ID
}

// judge applies every rule to ev.
func (s *Service) judge(ctx context.Context, ev *VisitEvent, o *orders.ServiceOrder, off clockOffset) (judgement, error) {
	j := judgement{flags: []string{}}
	var site *position
	if o.Site != nil {
		site = &position{Lat: o.Site.Lat, Lon: o.Site.Lon}
	}
	s.cfg.judgePosition(&j, ev.Type, ev.Lat, ev.Lon, ev.AccuracyM, site)
	skew := ev.DeviceTime.Sub(ev.ServerTime)
	if off != nil {
		skew = -*off // the batch's clock; an event's own device time is legitimately old
	}
	s.cfg.judgeSkew(&j, skew)
	prev, err := s.previous(ctx, ev)
	if err != nil {
		return j, err
	}
	s.cfg.judgeTravel(&j, prev, ev.At, ev.Lat, ev.Lon)
	if err := s.judgeSiteRules(ctx, &j, ev); err != nil {
		return j, err
	}
	return j, nil
}

func (s *Service) judgeSiteRules(ctx context.Context, j *judgement, ev *VisitEvent) error {
	switch ev.Type {
	case EventCheckIn:
		var other VisitEvent
		err := s.events.FindOne(ctx, bson.D{{Key: "coord_key", Value: ev.CoordKey}, {Key: "type", Value: EventCheckIn},
			{Key: "site_key", Value: bson.D{{Key: "$ne", Value: ev.SiteKey}}}}, &other)
		if err == nil {
			j.flag(FlagCoordinatesReuse)
			j.metrics.ReusedOrder = other.OrderID
		} else if !errors.Is(err, mongox.ErrNotFound) {
			return err
		}
	case EventCheckOut:
		var in VisitEvent
		err := s.events.FindOne(ctx, bson.D{{Key: "order_id", Value: ev.OrderID}, {Key: "technician_id", Value: ev.TechnicianID},
			{Key: "type", Value: EventCheckIn}}, &in, options.FindOne().SetSort(bson.D{{Key: "at", Value: -1}}))
		if err == nil {
			s.cfg.judgeStay(j, in.At, ev.At)
		} else if !errors.Is(err, mongox.ErrNotFound) {
			return err
		}
	}
	return nil
}

// previous is the technician's latest event before ev, on any job.
func (s *Service) previous(ctx context.Context, ev *VisitEvent) (*previous, error) {
	var last VisitEvent
	err := s.events.FindOne(ctx, bson.D{{Key: "technician_id", Value: ev.TechnicianID},
		{Key: "at", Value: bson.D{{Key: "$lte", Value: ev.At}}}}, &last,
		options.FindOne().SetSort(bson.D{{Key: "at", Value: -1}}))
	switch {
	case errors.Is(err, mongox.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &previous{At: last.At, Lat: last.Lat, Lon: last.Lon}, nil
}

// moveOrder moves the order to the event's stage. A refusal (the order has moved on, or
// cannot move yet) is kept on the event rather than failing it: the technician was
// there, and that fact must not be lost.
func (s *Service) moveOrder(ctx context.Context, p auth.Principal, ev *VisitEvent, in EventInput) error {
	stage, ok := stageOf[ev.Type]
	if !ok {
		return nil
	}
	o, err := s.orders.RecordVisit(ctx, p, ev.OrderID, orders.VisitInput{Stage: stage, Lat: in.Lat, Lon: in.Lon,
		AccuracyM: in.AccuracyM, DeviceTime: ev.DeviceTime})
	var ae *apperr.Error
	switch {
	case err == nil:
		ev.OrderStatus = o.Status
	case errors.As(err, &ae) && apperr.Status(err) < 500:
		ev.OrderError = ae.Message
	default:
		return err
	}
	return nil
}
