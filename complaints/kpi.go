package complaints

import (
	"context"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// KPI bounds: the figures are computed in Go over the period's complaints, so the period
// is capped; a longer report belongs in the warehouse, not the operational API.
const (
	MaxKPIPeriod     = 366 * 24 * time.Hour
	MaxKPIComplaints = 20000
	defaultKPIPeriod = 30 * 24 * time.Hour
)

// KPITargets are the handbook's targets (DESIGN §2), returned beside the figures.
type KPITargets struct {
	SatisfiedPct    float64 `json:"satisfied_pct"`
	NPS             float64 `json:"nps"`
	FCRPct          float64 `json:"fcr_pct"`
	FeedbackRatePct float64 `json:"feedback_rate_pct"`
}

// KPIs are the desk's figures over the complaints taken in during [From, To).
// Percentages are null when nothing was there to measure.
type KPIs struct {
	From               time.Time      `json:"from"`
	To                 time.Time      `json:"to"`
	Complaints         int            `json:"complaints"`
	ByClass            map[string]int `json:"by_class"`
	ByChannel          map[string]int `json:"by_channel"`
	ByStatus           map[string]int `json:"by_status"`
	Resolved           int            `json:"resolved" doc:"resolved or closed after a resolution"`
	FCR                int            `json:"fcr" doc:"of those, resolved at first contact"`
	FCRPct             *float64       `json:"fcr_pct"`
	Reopened           int            `json:"reopened" doc:"reopened at least once"`
	FollowedUp         int            `json:"followed_up" doc:"resolved at least once, so a follow-up was due"`
	Surveyed           int            `json:"surveyed" doc:"the customer was reached and answered"`
	FeedbackRatePct    *float64       `json:"feedback_rate_pct"`
	CSATAnswers        int            `json:"csat_answers"`
	CSATAvg            *float64       `json:"csat_avg"`
	SatisfiedPct       *float64       `json:"satisfied_pct" doc:"CSAT 4 or 5"`
	NPSAnswers         int            `json:"nps_answers"`
	NPS                *float64       `json:"nps" doc:"promoters (9-10) minus detractors (0-6), in points"`
	BreachedComplaints int            `json:"breached_complaints"`
	ResponseBreaches   int            `json:"response_breaches"`
	ResolutionBreaches int            `json:"resolution_breaches"`
	Targets            KPITargets     `json:"targets"`
}

var kpiProjection = bson.D{{Key: "class", Value: 1}, {Key: "channel", Value: 1}, {Key: "status", Value: 1},
	{Key: "fcr", Value: 1}, {Key: "reopens", Value: 1}, {Key: "follow_up", Value: 1}, {Key: "surveys", Value: 1},
	{Key: "breached", Value: 1}, {Key: "breaches", Value: 1}}

// KPIs computes the figures over complaints taken in from from (default 30 days before
// to) until to (default now).
func (s *Service) KPIs(ctx context.Context, p auth.Principal, from, to *time.Time) (KPIs, error) {
	if !p.HasRole(auth.RoleSupervisor, auth.RoleAdmin) {
		return KPIs{}, apperr.Forbidden("your role may not see complaint KPIs")
	}
	end := s.clock.Now()
	if to != nil {
		end = *to
	}
	start := end.Add(-defaultKPIPeriod)
	if from != nil {
		start = *from
	}
	if !start.Before(end) || end.Sub(start) > MaxKPIPeriod {
		return KPIs{}, apperr.Fields{"from": "must be before to, and at most 366 days before it"}.Err()
	}
	filter := createdRange(&start, &end)
	n, err := s.store.Collection().Count(ctx, filter)
	if err != nil {
		return KPIs{}, err
	}
	if n > MaxKPIComplaints {
		return KPIs{}, apperr.Fields{"from": "the period holds more than 20000 complaints; choose a shorter one"}.Err()
	}
	var docs []*Complaint
	if err := s.store.Collection().Find(ctx, filter, &docs, options.Find().SetProjection(kpiProjection)); err != nil {
		return KPIs{}, err
	}
	k := computeKPIs(docs)
	k.From, k.To = start, end
	return k, nil
}

func computeKPIs(docs []*Complaint) KPIs {
	k := KPIs{ByClass: map[string]int{}, ByChannel: map[string]int{}, ByStatus: map[string]int{},
		Targets: KPITargets{SatisfiedPct: 90, NPS: 40, FCRPct: 85, FeedbackRatePct: 80}}
	var csatSum, satisfied, promoters, detractors int
	for _, c := range docs {
		k.count(c)
		if len(c.Surveys) == 0 {
			continue
		}
		last := c.Surveys[len(c.Surveys)-1] // what the customer thinks now
		if last.CSAT != nil {
			k.CSATAnswers++
			csatSum += *last.CSAT
			satisfied += b2i(*last.CSAT >= 4)
		}
		if last.NPS != nil {
			k.NPSAnswers++
			promoters += b2i(*last.NPS >= 9)
			detractors += b2i(*last.NPS <= 6)
		}
	}
	k.FCRPct = pct(k.FCR, k.Resolved)
	k.FeedbackRatePct = pct(k.Surveyed, k.FollowedUp)
	k.SatisfiedPct = pct(satisfied, k.CSATAnswers)
	if k.CSATAnswers > 0 {
		k.CSATAvg = round1(float64(csatSum) / float64(k.CSATAnswers))
	}
	if k.NPSAnswers > 0 {
		k.NPS = round1(float64(promoters-detractors) * 100 / float64(k.NPSAnswers))
	}
	return k
}

func (k *KPIs) count(c *Complaint) {
	k.Complaints++
	k.ByClass[c.Class]++
	k.ByChannel[c.Channel]++
	k.ByStatus[c.Status]++
	if c.Status == StatusResolved || c.Status == StatusClosed {
		k.Resolved++
		k.FCR += b2i(c.FCR)
	}
	k.Reopened += b2i(c.Reopens > 0)
	k.FollowedUp += b2i(c.FollowUp != nil)
	k.Surveyed += b2i(len(c.Surveys) > 0)
	k.BreachedComplaints += b2i(c.Breached)
	for _, b := range c.Breaches {
		k.ResponseBreaches += b2i(b.Clock == ClockResponse)
		k.ResolutionBreaches += b2i(b.Clock == ClockResolution)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func pct(n, of int) *float64 {
	if of == 0 {
		return nil
	}
	return round1(float64(n) * 100 / float64(of))
}

func round1(v float64) *float64 {
	r := math.Round(v*10) / 10
	return &r
}
