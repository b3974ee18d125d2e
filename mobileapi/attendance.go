package mobileapi

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// Attendance is one technician's working day (Asia/Shanghai) as their events show it.
type Attendance struct {
	ID            string         `bson:"_id" json:"id" doc:"TEC…|YYYY-MM-DD"`
	TechnicianID  string         `bson:"technician_id" json:"technician_id"`
	Day           string         `bson:"day" json:"day"`
	FirstCheckIn  *time.Time     `bson:"first_check_in,omitempty" json:"first_check_in,omitempty"`
	LastCheckOut  *time.Time     `bson:"last_check_out,omitempty" json:"last_check_out,omitempty"`
	Events        int            `bson:"events" json:"events"`
	FlaggedEvents int            `bson:"flagged_events" json:"flagged_events"`
	FlagCounts    map[string]int `bson:"flag_counts,omitempty" json:"flag_counts"`
}

func attendanceID(techID, day string) string { return techID + "|" + day }

// countAttendance rolls ev into its day. It runs after the event is stored; a failure
// is logged, and the day can be recounted from visit_events.
func (s *Service) countAttendance(ctx context.Context, ev VisitEvent) {
	day := ev.At.In(s.cfg.Location).Format(time.DateOnly)
	inc := bson.D{{Key: "events", Value: 1}}
	if len(ev.Flags) > 0 {
		inc = append(inc, bson.E{Key: "flagged_events", Value: 1})
	}
	for _, f := range ev.Flags {
		inc = append(inc, bson.E{Key: "flag_counts." + f, Value: 1})
	}
	update := bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "technician_id", Value: ev.TechnicianID}, {Key: "day", Value: day}}},
		{Key: "$inc", Value: inc}}
	switch ev.Type {
	case EventCheckIn:
		update = append(update, bson.E{Key: "$min", Value: bson.D{{Key: "first_check_in", Value: ev.At}}})
	case EventCheckOut:
		update = append(update, bson.E{Key: "$max", Value: bson.D{{Key: "last_check_out", Value: ev.At}}})
	}
	if err := s.attendance.UpsertByID(ctx, attendanceID(ev.TechnicianID, day), update); err != nil {
		s.log.ErrorContext(ctx, "attendance not counted", "event", ev.ID, "err", err)
	}
}

// AttendanceDay returns the caller's attendance for day (YYYY-MM-DD).
func (s *Service) AttendanceDay(ctx context.Context, p auth.Principal, day string) (Attendance, error) {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return Attendance{}, apperr.Fields{"day": "must be a date YYYY-MM-DD"}.Err()
	}
	var a Attendance
	if err := s.attendance.FindByID(ctx, attendanceID(p.TechnicianID, day), &a); err != nil {
		return Attendance{}, apperr.NotFound("attendance")
	}
	if a.FlagCounts == nil {
		a.FlagCounts = map[string]int{}
	}
	return a, nil
}
