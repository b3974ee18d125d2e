package dispatch

import (
	"context"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// PreviewRequest is a job to run the engine on without assigning it.
type PreviewRequest struct {
	Category  string         `json:"category"`
	Brand     string         `json:"brand"`
	Skills    []string       `json:"skills,omitempty" doc:"skills the job needs"`
	Lat       *float64       `json:"lat"`
	Lon       *float64       `json:"lon"`
	Window    *WindowRequest `json:"window,omitempty" doc:"when the customer wants the visit; absent: as soon as possible"`
	ResolveBy string         `json:"resolve_by,omitempty" doc:"RFC 3339 SLA deadline"`
	Priority  string         `json:"priority,omitempty" doc:"low, normal (default), high or urgent"`
	Exclude   []string       `json:"exclude,omitempty" doc:"candidate ids to leave out (declined or expired offers)"`
}

// WindowRequest is a visit window in RFC 3339 times.
type WindowRequest struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Validate reports every invalid field at once.
func (in PreviewRequest) Validate() error {
	_, err := in.job()
	return err
}

func (in PreviewRequest) job() (Job, error) {
	f := apperr.Fields{}
	j := Job{Category: strings.ToLower(strings.TrimSpace(in.Category)), Brand: strings.ToLower(strings.TrimSpace(in.Brand)),
		Skills: cleanSlugs(in.Skills), Priority: in.Priority}
	checkCode(f, "category", j.Category)
	checkCode(f, "brand", j.Brand)
	checkSlugs(f, "skills", j.Skills, false, false)
	requireCoords(f, "", in.Lat, in.Lon)
	assign(&j.Lat, in.Lat)
	assign(&j.Lon, in.Lon)
	checkCoords(f, "", j.Lat, j.Lon)
	if j.Priority == "" {
		j.Priority = PriorityNormal
	}
	f.OneOf("priority", j.Priority, Priorities()...)
	j.ResolveBy = parseTime(f, "resolve_by", in.ResolveBy, false)
	if in.Window != nil {
		j.Window.Start = parseTime(f, "window.start", in.Window.Start, true)
		j.Window.End = parseTime(f, "window.end", in.Window.End, true)
		if !j.Window.End.After(j.Window.Start) {
			f.Add("window.end", "must be after window.start")
		}
	}
	if len(in.Exclude) > maxExcludeSize {
		f.Add("exclude", "must have at most %d entries", maxExcludeSize)
	}
	return j, f.Err()
}

func parseTime(f apperr.Fields, field, s string, required bool) time.Time {
	if s == "" {
		if required {
			f.Add(field, "is required")
		}
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.Add(field, "must be an RFC 3339 time such as 2026-03-02T09:00:00+08:00")
	}
	return t.UTC()
}

// PreviewResponse is the engine's decision for a previewed job.
type PreviewResponse struct {
	Decision
	NeedsDispatcher bool `json:"needs_dispatcher" doc:"no candidate is eligible: a dispatcher must act; reason says why"`
}

// Preview runs the engine on in at the current time.
func (s *Service) Preview(_ context.Context, _ auth.Principal, in PreviewRequest) (PreviewResponse, error) {
	job, err := in.job()
	if err != nil {
		return PreviewResponse{}, err
	}
	d := s.engine.Decide(job, in.Exclude, s.clock.Now())
	return PreviewResponse{Decision: d, NeedsDispatcher: d.NeedsDispatcher()}, nil
}
