package fees

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/queue"
)

// Job is a completed service order to price. The server adapts the orders package's
// completion into it; OutletID is empty for in-house technicians.
type Job struct {
	OrderID     string    `json:"order_id"`
	OutletID    string    `json:"outlet_id,omitempty"`
	ServiceType string    `json:"service_type"`
	Category    string    `json:"category"`
	Region      string    `json:"region"`
	Currency    string    `json:"currency,omitempty"`
	DistanceKm  float64   `json:"distance_km"`
	CompletedAt time.Time `json:"completed_at"`
	InWarranty  bool      `json:"in_warranty"`
	Night       bool      `json:"night"`
	Holiday     bool      `json:"holiday"`
	Remote      bool      `json:"remote"`
	Parts       []PartUse `json:"parts,omitempty"`
}

// PricedJob is a completed order's fee lines, priced once with the schedule version in
// force at completion and kept: pricing it again returns these lines unchanged.
type PricedJob struct {
	OrderID         string    `json:"order_id"`
	OutletID        string    `json:"outlet_id"`
	ServiceType     string    `json:"service_type"`
	Category        string    `json:"category"`
	Region          string    `json:"region"`
	DistanceKm      float64   `json:"distance_km"`
	InWarranty      bool      `json:"in_warranty"`
	CompletedAt     time.Time `json:"completed_at"`
	Currency        string    `json:"currency"`
	ScheduleID      string    `json:"schedule_id"`
	ScheduleVersion int       `json:"schedule_version"`
	Lines           []Line    `json:"lines"`
	Totals          Totals    `json:"totals"`
	Flags           []string  `json:"flags" doc:"quote_missing, travel_beyond_max"`
	QuoteID         string    `json:"quote_id,omitempty" doc:"the accepted quote, for out-of-warranty work"`
	QuotedTotal     *int64    `json:"quoted_total,omitempty"`
	Period          string    `json:"period" doc:"completion month in Asia/Shanghai"`
	SettlePeriod    string    `json:"settle_period" doc:"the statement period it is settled in"`
	StatementID     string    `json:"statement_id,omitempty"`
	PricedAt        time.Time `json:"priced_at"`
}

// pricedDoc is a priced job as stored; _id is the order id. What statements query by
// (outlet, settle period, statement, brand total) are top-level scalars.
type pricedDoc struct {
	ID              string    `bson:"_id"`
	OutletID        string    `bson:"outlet_id"`
	ServiceType     string    `bson:"service_type"`
	Category        string    `bson:"category"`
	Region          string    `bson:"region"`
	DistanceKm      float64   `bson:"distance_km"`
	InWarranty      bool      `bson:"in_warranty"`
	CompletedAt     time.Time `bson:"completed_at"`
	Currency        string    `bson:"currency"`
	ScheduleID      string    `bson:"schedule_id"`
	ScheduleVersion int       `bson:"schedule_version"`
	Lines           []Line    `bson:"lines"`
	BrandTotal      int64     `bson:"brand_total"`
	CustomerTotal   int64     `bson:"customer_total"`
	Total           int64     `bson:"total"`
	Flags           []string  `bson:"flags"`
	QuoteID         string    `bson:"quote_id,omitempty"`
	QuotedTotal     *int64    `bson:"quoted_total,omitempty"`
	Period          string    `bson:"period"`
	SettlePeriod    string    `bson:"settle_period"`
	StatementID     string    `bson:"statement_id"` // "" until on a statement
	aggregate.Base  `bson:",inline"`
}

func (d pricedDoc) toPricedJob() PricedJob {
	return PricedJob{OrderID: d.ID, OutletID: d.OutletID, ServiceType: d.ServiceType, Category: d.Category,
		Region: d.Region, DistanceKm: d.DistanceKm, InWarranty: d.InWarranty, CompletedAt: d.CompletedAt,
		Currency: d.Currency, ScheduleID: d.ScheduleID, ScheduleVersion: d.ScheduleVersion, Lines: d.Lines,
		Totals: Totals{Brand: d.BrandTotal, Customer: d.CustomerTotal, Total: d.Total}, Flags: nonNil(d.Flags),
		QuoteID: d.QuoteID, QuotedTotal: d.QuotedTotal, Period: d.Period, SettlePeriod: d.SettlePeriod,
		StatementID: d.StatementID, PricedAt: d.CreatedAt}
}

// settleable reports whether the job belongs on an outlet's statement: the brand owes
// an outlet for it.
func (d pricedDoc) settleable() bool { return d.OutletID != "" && d.BrandTotal > 0 }

// TypeJobPriced puts a newly priced job on its outlet's draft statement, if one exists.
const TypeJobPriced = "fees:job_priced"

// JobPriced is the data of TypeJobPriced.
type JobPriced struct {
	OrderID string `json:"order_id"`
}

// Validate reports every problem with the job.
func (j Job) Validate() error {
	f := apperr.Fields{}
	f.Required("order_id", j.OrderID)
	f.MaxLen("order_id", j.OrderID, maxIDLen)
	f.MaxLen("outlet_id", j.OutletID, maxIDLen)
	if j.CompletedAt.IsZero() {
		f.Add("completed_at", "is required")
	}
	validateWork(f, j.ServiceType, j.Category, j.Region, j.Currency, j.DistanceKm, j.Parts)
	return f.Err()
}

func validateWork(f apperr.Fields, serviceType, category, region, currency string, km float64, parts []PartUse) {
	f.OneOf("service_type", serviceType, ServiceTypes()...)
	if f.Required("category", category) && category == Wildcard {
		f.Add("category", "must be a product category, not *")
	}
	f.MaxLen("category", category, maxTextLen)
	f.MaxLen("region", region, maxTextLen)
	if region == Wildcard {
		f.Add("region", "must be a region code, not *")
	}
	if currency != "" && !currencyPattern.MatchString(currency) {
		f.Add("currency", "must be an ISO 4217 code such as CNY")
	}
	if !validKm(km) {
		f.Add("distance_km", "must be between 0 and %g", MaxKm)
	}
	if len(parts) > maxPartsLen {
		f.Add("parts", "must list at most %d parts", maxPartsLen)
	}
	for i, p := range parts {
		path := fmt.Sprintf("parts[%d]", i)
		textField(f, path+".part_no", p.PartNo)
		if p.Qty < 1 || p.Qty > MaxQty {
			f.Add(path+".qty", "must be between 1 and %d", MaxQty)
		}
		amountField(f, path+".list_price", p.ListPrice)
	}
}

func (j Job) work() work {
	return work{ServiceType: j.ServiceType, Category: j.Category, Region: j.Region, DistanceKm: j.DistanceKm,
		InWarranty: j.InWarranty, Night: j.Night, Holiday: j.Holiday, Remote: j.Remote, At: j.CompletedAt, Parts: j.Parts}
}

// Price prices a completed order into fee lines with the schedule version in force at
// its completion and stores them. Pricing an order again returns the stored lines, so a
// later schedule version never changes a job already priced. Out-of-warranty work
// without an accepted quote is still priced (the work is done) and flagged
// quote_missing for finance.
func (s *Service) Price(ctx context.Context, job Job) (PricedJob, error) {
	if err := job.Validate(); err != nil {
		return PricedJob{}, err
	}
	job.CompletedAt = job.CompletedAt.UTC().Truncate(time.Millisecond)
	var existing pricedDoc
	if err := s.jobs.Load(ctx, job.OrderID, &existing); err == nil {
		return existing.toPricedJob(), nil
	} else if !errors.Is(err, apperr.ErrNotFound) {
		return PricedJob{}, err
	}
	d, err := s.priceDoc(ctx, job)
	if err != nil {
		return PricedJob{}, err
	}
	var events []aggregate.Event
	if d.settleable() {
		events = append(events, aggregate.NewEvent(TypeJobPriced, queue.Default, JobPriced{OrderID: d.ID}))
	}
	entry := aggregate.Entry{Actor: System.UserID, Role: System.Role, Action: "priced",
		Note: fmt.Sprintf("%s version %d", d.ScheduleID, d.ScheduleVersion)}
	if err := s.jobs.Create(ctx, d.ID, d, entry, events...); errors.Is(err, apperr.ErrConflict) {
		return s.loadPriced(ctx, job.OrderID) // priced concurrently: the first one stands
	} else if err != nil {
		return PricedJob{}, err
	}
	d.CreatedAt = s.clock.Now()
	return d.toPricedJob(), nil
}

func (s *Service) priceDoc(ctx context.Context, job Job) (pricedDoc, error) {
	outlet, fallback, err := s.schedulesFor(ctx, job.OutletID)
	if err != nil {
		return pricedDoc{}, err
	}
	r, ok := resolve(outlet, fallback, job.CompletedAt)
	if !ok {
		return pricedDoc{}, errNoSchedule(job.OutletID, job.CompletedAt)
	}
	if job.Currency != "" && job.Currency != r.schedule.currency {
		return pricedDoc{}, apperr.Fields{"currency": "the schedule in force prices in " + r.schedule.currency}.Err()
	}
	p := priceWork(r.version.rules, job.work())
	d := pricedDoc{ID: job.OrderID, OutletID: job.OutletID, ServiceType: job.ServiceType, Category: job.Category,
		Region: job.Region, DistanceKm: job.DistanceKm, InWarranty: job.InWarranty, CompletedAt: job.CompletedAt,
		Currency: r.schedule.currency, ScheduleID: r.schedule.id, ScheduleVersion: r.version.version, Lines: p.Lines,
		BrandTotal: p.Totals.Brand, CustomerTotal: p.Totals.Customer, Total: p.Totals.Total, Flags: p.Flags,
		Period: Period(job.CompletedAt), SettlePeriod: Period(job.CompletedAt)}
	if !job.InWarranty {
		q, found, err := s.acceptedQuote(ctx, job.OrderID)
		if err != nil {
			return pricedDoc{}, err
		}
		if found {
			d.QuoteID, d.QuotedTotal = q.ID, &q.Totals.Total
		} else {
			d.Flags = append(d.Flags, FlagQuoteMissing)
		}
	}
	d.Flags = nonNil(d.Flags)
	return d, nil
}

// GetPricedJob returns the priced job of an order the caller may see.
func (s *Service) GetPricedJob(ctx context.Context, p auth.Principal, orderID string) (PricedJob, error) {
	j, err := s.loadPriced(ctx, orderID)
	if err != nil {
		return PricedJob{}, err
	}
	if !sees(p, j.OutletID) {
		return PricedJob{}, apperr.NotFound("priced job")
	}
	return j, nil
}

func (s *Service) loadPriced(ctx context.Context, orderID string) (PricedJob, error) {
	var d pricedDoc
	if err := s.jobs.Load(ctx, orderID, &d); err != nil {
		return PricedJob{}, err
	}
	return d.toPricedJob(), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clip(s)
}
