package orders

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
)

// Board is the dispatchers' view of what needs them: orders without a taker (escalated
// ones first, with the reason), open offers with the time they have left, and orders
// whose resolve-by time is near or past. Each list is capped; Count is the full number.
type Board struct {
	Now          time.Time    `json:"now"`
	AtRiskWithin string       `json:"at_risk_within" doc:"the at-risk horizon, e.g. 4h0m0s"`
	Unassigned   BoardSection `json:"unassigned" doc:"created or dispatching: the engine is working, or a dispatcher must act (escalated)"`
	Offered      BoardSection `json:"offered" doc:"open offers, the soonest deadline first"`
	AtRisk       BoardSection `json:"at_risk" doc:"not completed and resolve-by within the horizon or past, the most urgent first"`
}

// BoardSection is one capped list of the board.
type BoardSection struct {
	Count int64       `json:"count"`
	Items []BoardItem `json:"items"`
}

// BoardItem is an order on the board.
type BoardItem struct {
	ID               string      `json:"id"`
	Type             string      `json:"type"`
	Status           string      `json:"status"`
	Priority         string      `json:"priority"`
	Category         string      `json:"category,omitempty"`
	City             string      `json:"city,omitempty"`
	ResolveBy        *time.Time  `json:"resolve_by,omitempty"`
	MinutesLeft      *int64      `json:"minutes_left,omitempty" doc:"until resolve-by; negative when overdue"`
	Escalated        bool        `json:"escalated"`
	EscalationReason string      `json:"escalation_reason,omitempty"`
	Attempts         int         `json:"attempts"`
	Offer            *OfferState `json:"offer,omitempty"`
	AssignedOutlet   string      `json:"assigned_outlet_id,omitempty"`
	AssignedTech     string      `json:"assigned_technician_id,omitempty"`
}

// BoardQuery sets the board's cap and horizon; zero values take the service's config.
type BoardQuery struct {
	Limit        int
	AtRiskWithin time.Duration
}

// Board builds the dispatch board for a dispatcher or admin.
func (s *Service) Board(ctx context.Context, p auth.Principal, q BoardQuery) (Board, error) {
	if !p.HasRole(dispatchers...) {
		return Board{}, apperr.Forbidden("the board is for dispatchers")
	}
	if q.Limit <= 0 {
		q.Limit = s.cfg.BoardLimit
	}
	if q.AtRiskWithin <= 0 {
		q.AtRiskWithin = s.cfg.AtRiskWithin
	}
	now := s.clock.Now()
	b := Board{Now: now, AtRiskWithin: q.AtRiskWithin.String()}
	sections := []struct {
		dst          *BoardSection
		filter, sort bson.D
	}{
		{&b.Unassigned, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: []Status{StatusCreated, StatusDispatching}}}}},
			bson.D{{Key: "escalated", Value: -1}, {Key: "_id", Value: 1}}},
		{&b.Offered, bson.D{{Key: "status", Value: StatusOffered}},
			bson.D{{Key: "offer_deadline", Value: 1}, {Key: "_id", Value: 1}}},
		{&b.AtRisk, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: openStatuses}}},
			{Key: "resolve_by", Value: bson.D{{Key: "$lte", Value: now.Add(q.AtRiskWithin)}}}},
			bson.D{{Key: "resolve_by", Value: 1}, {Key: "_id", Value: 1}}},
	}
	for _, sec := range sections {
		docs, n, err := s.capped(ctx, sec.filter, sec.sort, q.Limit)
		if err != nil {
			return Board{}, err
		}
		sec.dst.Count, sec.dst.Items = n, make([]BoardItem, len(docs))
		for i := range docs {
			sec.dst.Items[i] = boardItem(&docs[i], now)
		}
	}
	return b, nil
}

func boardItem(o *ServiceOrder, now time.Time) BoardItem {
	it := BoardItem{ID: o.ID, Type: o.Type, Status: o.Status, Priority: o.Priority, Category: o.Category,
		ResolveBy: o.ResolveBy, Escalated: o.Escalated, EscalationReason: o.EscalationReason, Attempts: o.Attempts,
		Offer: offerState(o.Offer, now), AssignedOutlet: o.AssignedOutletID, AssignedTech: o.AssignedTechnicianID}
	if o.Site != nil {
		it.City = o.Site.City
	}
	if o.ResolveBy != nil {
		m := int64(o.ResolveBy.Sub(now) / time.Minute)
		it.MinutesLeft = &m
	}
	return it
}
