package complaints

import (
	"fmt"
	"slices"
	"time"
)

// Targets are the two SLA clocks of a class.
type Targets struct {
	Response   time.Duration // from intake to an agent's first answer
	Resolution time.Duration // from intake (or reopening) to resolution
}

// Policy is the configurable service-level policy. DefaultPolicy is DESIGN §2's table.
type Policy struct {
	Targets map[Class]Targets
	// WarnAt are the fractions of a clock at which its owner is warned; the breach is at 1.
	WarnAt []float64
	// FollowUp times the call after resolution.
	FollowUp FollowUpPolicy
}

// DefaultPolicy returns the handbook's targets.
func DefaultPolicy() Policy {
	return Policy{
		Targets: map[Class]Targets{
			ClassGeneral:       {Response: 24 * time.Hour, Resolution: 48 * time.Hour},
			ClassSerious:       {Response: 12 * time.Hour, Resolution: 24 * time.Hour},
			ClassSystemFault:   {Response: 30 * time.Minute, Resolution: 2 * time.Hour},
			ClassPublicOpinion: {Response: time.Hour, Resolution: 24 * time.Hour},
		},
		WarnAt:   []float64{0.5, 0.75},
		FollowUp: DefaultFollowUpPolicy(),
	}
}

// Check reports a policy the service cannot run with.
func (p Policy) Check() error {
	for _, class := range Classes() {
		t, ok := p.Targets[class]
		if !ok || t.Response <= 0 || t.Resolution <= 0 {
			return fmt.Errorf("complaints policy: class %s needs positive response and resolution targets", class)
		}
	}
	for _, f := range p.WarnAt {
		if f <= 0 || f >= 1 {
			return fmt.Errorf("complaints policy: warning fraction %v must be between 0 and 1", f)
		}
	}
	return p.FollowUp.Check()
}

// withDefaults fills the zero fields of p from DefaultPolicy.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.Targets == nil {
		p.Targets = d.Targets
	}
	if p.WarnAt == nil {
		p.WarnAt = d.WarnAt
	}
	if p.FollowUp == (FollowUpPolicy{}) {
		p.FollowUp = d.FollowUp
	}
	p.WarnAt = slices.Sorted(slices.Values(p.WarnAt))
	return p
}

// The two SLA clocks.
const (
	ClockResponse   = "response"
	ClockResolution = "resolution"
)

// deadlines are the due times of a class's clocks started at start.
func (p Policy) deadlines(class Class, start time.Time) (response, resolution time.Time) {
	t := p.Targets[class]
	return start.Add(t.Response), start.Add(t.Resolution)
}

// marks are the points of a clock running from start to due at which a timer fires:
// each warning fraction, then the breach at 100%.
func (p Policy) marks(start, due time.Time) []mark {
	span := due.Sub(start)
	out := make([]mark, 0, len(p.WarnAt)+1)
	for _, f := range p.WarnAt {
		out = append(out, mark{Percent: int(f*100 + 0.5), At: start.Add(time.Duration(float64(span) * f))})
	}
	return append(out, mark{Percent: 100, At: due})
}

type mark struct {
	Percent int
	At      time.Time
}
