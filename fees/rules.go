package fees

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aftersales/aftersales/internal/apperr"
)

// Rules are the prices of one schedule version. They are a value object: the same
// shape in requests, storage and responses.
type Rules struct {
	Labour     []LabourRule `json:"labour" bson:"labour"`
	Travel     []TravelBand `json:"travel" bson:"travel"`
	Parts      PartsRule    `json:"parts" bson:"parts"`
	Surcharges Surcharges   `json:"surcharges" bson:"surcharges"`
}

// LabourRule prices labour for a service type, product category and region; category
// and region may be "*". The most specific row matching a job wins.
type LabourRule struct {
	ServiceType string `json:"service_type" bson:"service_type"`
	Category    string `json:"category" bson:"category"`
	Region      string `json:"region" bson:"region"`
	Amount      int64  `json:"amount" bson:"amount" doc:"minor units"`
}

// TravelBand prices travel from the outlet's base to the site for distances in
// [from_km, to_km). ToKm nil makes the last band open-ended; a closed last band's to_km
// is the farthest distance the schedule serves.
type TravelBand struct {
	FromKm float64  `json:"from_km" bson:"from_km"`
	ToKm   *float64 `json:"to_km" bson:"to_km,omitempty"`
	Amount int64    `json:"amount" bson:"amount" doc:"minor units"`
}

// PartsRule prices parts at list price plus a markup in basis points (1500 = 15%).
type PartsRule struct {
	MarkupBP int64 `json:"markup_bp" bson:"markup_bp"`
}

// Charge is a surcharge's price: a fixed amount or a percentage of labour, exactly one.
type Charge struct {
	Amount    *int64 `json:"amount,omitempty" bson:"amount,omitempty" doc:"minor units"`
	PercentBP *int64 `json:"percent_bp,omitempty" bson:"percent_bp,omitempty" doc:"basis points of the labour amount"`
}

// Surcharges are optional extras on top of labour.
type Surcharges struct {
	Night   *NightSurcharge   `json:"night,omitempty" bson:"night,omitempty"`
	Holiday *HolidaySurcharge `json:"holiday,omitempty" bson:"holiday,omitempty"`
	Remote  *RemoteSurcharge  `json:"remote,omitempty" bson:"remote,omitempty"`
}

// NightSurcharge applies to work between From and To ("HH:MM", Shanghai time); the
// window may wrap midnight (20:00–08:00).
type NightSurcharge struct {
	From   string `json:"from" bson:"from"`
	To     string `json:"to" bson:"to"`
	Charge `bson:",inline"`
}

// HolidaySurcharge applies to work on the listed dates (YYYY-MM-DD, Shanghai).
type HolidaySurcharge struct {
	Dates  []string `json:"dates" bson:"dates"`
	Charge `bson:",inline"`
}

// RemoteSurcharge applies to sites farther than OverKm or in one of Regions.
type RemoteSurcharge struct {
	OverKm  *float64 `json:"over_km,omitempty" bson:"over_km,omitempty"`
	Regions []string `json:"regions,omitempty" bson:"regions,omitempty"`
	Charge  `bson:",inline"`
}

// Validate reports every problem with the rules, each against its field path
// (labour[3], travel[1].to_km, surcharges.night.from). Duplicate labour rows are
// overlapping; a service type without a fallback row (category *, region *) and travel
// bands that do not tile [0, ∞) or [0, max) are gapped.
func (r Rules) Validate(f apperr.Fields) {
	validateLabour(f, r.Labour)
	validateTravel(f, r.Travel)
	if r.Parts.MarkupBP < 0 || r.Parts.MarkupBP > MaxBP {
		f.Add("parts.markup_bp", "must be between 0 and %d", MaxBP)
	}
	validateSurcharges(f, r.Surcharges)
}

func validateLabour(f apperr.Fields, rows []LabourRule) {
	if len(rows) == 0 {
		f.Add("labour", "must have a row per service type")
		return
	}
	seen := map[string]int{}
	fallback := map[string]bool{}
	for i, row := range rows {
		p := fmt.Sprintf("labour[%d]", i)
		if !slices.Contains(ServiceTypes(), row.ServiceType) {
			f.Add(p+".service_type", "must be one of: %s", strings.Join(ServiceTypes(), ", "))
		}
		textField(f, p+".category", row.Category)
		textField(f, p+".region", row.Region)
		amountField(f, p+".amount", row.Amount)
		key := labourKey(row.ServiceType, row.Category, row.Region)
		if j, dup := seen[key]; dup {
			f.Add(p, "overlaps labour[%d]: same service type, category and region", j)
			continue
		}
		seen[key] = i
		if row.Category == Wildcard && row.Region == Wildcard {
			fallback[row.ServiceType] = true
		}
	}
	var missing []string
	for _, st := range ServiceTypes() {
		if !fallback[st] {
			missing = append(missing, st)
		}
	}
	if len(missing) > 0 {
		f.Add("labour", "gap: no fallback row (category *, region *) for %s", strings.Join(missing, ", "))
	}
}

func validateTravel(f apperr.Fields, bands []TravelBand) {
	if len(bands) == 0 {
		f.Add("travel", "must have at least one band starting at 0 km (amount 0 for free travel)")
		return
	}
	for i, b := range bands {
		p := fmt.Sprintf("travel[%d]", i)
		kmField(f, p+".from_km", b.FromKm)
		amountField(f, p+".amount", b.Amount)
		switch {
		case b.ToKm == nil && i < len(bands)-1:
			f.Add(p+".to_km", "only the last band may be open-ended")
		case b.ToKm != nil && kmField(f, p+".to_km", *b.ToKm) && *b.ToKm <= b.FromKm:
			f.Add(p+".to_km", "must be greater than from_km")
		}
		if i == 0 {
			if b.FromKm != 0 {
				f.Add(p+".from_km", "must be 0: the first band starts at the outlet's base")
			}
			continue
		}
		prev := bands[i-1]
		if prev.ToKm == nil {
			continue // already reported: only the last band may be open-ended
		}
		if b.FromKm < *prev.ToKm {
			f.Add(p, "overlaps travel[%d]: starts at %g km, before it ends at %g km", i-1, b.FromKm, *prev.ToKm)
		} else if b.FromKm > *prev.ToKm {
			f.Add(p, "gap after travel[%d]: nothing prices %g–%g km", i-1, *prev.ToKm, b.FromKm)
		}
	}
}

func validateSurcharges(f apperr.Fields, s Surcharges) {
	if n := s.Night; n != nil {
		from, okFrom := clockMinutes(n.From)
		to, okTo := clockMinutes(n.To)
		if !okFrom {
			f.Add("surcharges.night.from", "must be a time HH:MM")
		}
		if !okTo {
			f.Add("surcharges.night.to", "must be a time HH:MM")
		}
		if okFrom && okTo && from == to {
			f.Add("surcharges.night.to", "must differ from from")
		}
		validateCharge(f, "surcharges.night", n.Charge)
	}
	if h := s.Holiday; h != nil {
		if len(h.Dates) == 0 {
			f.Add("surcharges.holiday.dates", "must list at least one date")
		}
		for i, d := range h.Dates {
			if _, err := time.ParseInLocation(time.DateOnly, d, Shanghai); err != nil {
				f.Add(fmt.Sprintf("surcharges.holiday.dates[%d]", i), "must be a date YYYY-MM-DD")
			}
		}
		validateCharge(f, "surcharges.holiday", h.Charge)
	}
	if r := s.Remote; r != nil {
		if r.OverKm == nil && len(r.Regions) == 0 {
			f.Add("surcharges.remote", "must set over_km, regions or both")
		}
		if r.OverKm != nil && kmField(f, "surcharges.remote.over_km", *r.OverKm) && *r.OverKm <= 0 {
			f.Add("surcharges.remote.over_km", "must be greater than 0")
		}
		for i, reg := range r.Regions {
			textField(f, fmt.Sprintf("surcharges.remote.regions[%d]", i), reg)
		}
		validateCharge(f, "surcharges.remote", r.Charge)
	}
}

func validateCharge(f apperr.Fields, path string, c Charge) {
	switch {
	case (c.Amount == nil) == (c.PercentBP == nil):
		f.Add(path, "must set exactly one of amount and percent_bp")
	case c.Amount != nil:
		amountField(f, path+".amount", *c.Amount)
	case *c.PercentBP < 0 || *c.PercentBP > MaxBP:
		f.Add(path+".percent_bp", "must be between 0 and %d", MaxBP)
	}
}

func textField(f apperr.Fields, path, v string) {
	if f.Required(path, v) {
		f.MaxLen(path, v, maxTextLen)
	}
}

func amountField(f apperr.Fields, path string, v int64) {
	if v < 0 || v > MaxAmount {
		f.Add(path, "must be between 0 and %d minor units", MaxAmount)
	}
}

func kmField(f apperr.Fields, path string, v float64) bool {
	if math.IsNaN(v) || v < 0 || v > MaxKm {
		f.Add(path, "must be between 0 and %g km", MaxKm)
		return false
	}
	return true
}

// clockMinutes reads "HH:MM" as minutes after midnight.
func clockMinutes(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

func labourKey(serviceType, category, region string) string {
	return serviceType + "\x00" + category + "\x00" + region
}
