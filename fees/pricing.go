package fees

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Line is one fee line of a priced job or a quote.
type Line struct {
	Kind        string `json:"kind" bson:"kind" doc:"labour, travel, parts or surcharge"`
	Code        string `json:"code" bson:"code"`
	Description string `json:"description" bson:"description"`
	Qty         int    `json:"qty" bson:"qty"`
	UnitAmount  int64  `json:"unit_amount" bson:"unit_amount" doc:"minor units"`
	Amount      int64  `json:"amount" bson:"amount" doc:"minor units"`
	Payer       string `json:"payer" bson:"payer" doc:"brand or customer"`
}

// Totals sums lines per payer, in minor units.
type Totals struct {
	Brand    int64 `json:"brand" bson:"brand"`
	Customer int64 `json:"customer" bson:"customer"`
	Total    int64 `json:"total" bson:"total"`
}

// PartUse is a part consumed (or to be consumed) on a job, at its list price.
type PartUse struct {
	PartNo    string `json:"part_no" bson:"part_no"`
	Qty       int    `json:"qty" bson:"qty"`
	ListPrice int64  `json:"list_price" bson:"list_price" doc:"minor units per unit"`
}

// work is what pricing reads of a job or a quote request.
type work struct {
	ServiceType, Category, Region string
	DistanceKm                    float64
	InWarranty                    bool
	Night, Holiday, Remote        bool // asserted by the caller; rules may also detect them
	At                            time.Time
	Parts                         []PartUse
}

// priced is the result of pricing work against one rules version.
type priced struct {
	Lines  []Line
	Totals Totals
	Flags  []string
}

// priceWork prices w with r. It is pure: the same rules and work give the same lines.
func priceWork(r Rules, w work) priced {
	payer := PayerCustomer
	if w.InWarranty {
		payer = PayerBrand
	}
	var p priced
	labour := labourLine(newLabourIndex(r.Labour), w)
	p.add(labour, payer)
	if line, beyond := travelLine(r.Travel, w.DistanceKm); line.Amount > 0 || beyond {
		p.add(line, payer)
		if beyond {
			p.Flags = append(p.Flags, FlagBeyondMaxKm)
		}
	}
	for _, part := range w.Parts {
		p.add(partLine(r.Parts, part), payer)
	}
	for _, s := range surchargeLines(r.Surcharges, w, labour.Amount) {
		p.add(s, payer)
	}
	return p
}

func (p *priced) add(l Line, payer string) {
	l.Payer = payer
	p.Lines = append(p.Lines, l)
	p.Totals.Total += l.Amount
	if payer == PayerBrand {
		p.Totals.Brand += l.Amount
	} else {
		p.Totals.Customer += l.Amount
	}
}

// labourIndex finds labour rows by exact key; lookups try the most specific key first.
type labourIndex map[string]LabourRule

func newLabourIndex(rows []LabourRule) labourIndex {
	idx := make(labourIndex, len(rows))
	for _, r := range rows {
		idx[labourKey(r.ServiceType, r.Category, r.Region)] = r
	}
	return idx
}

// match returns the most specific row for a job: exact category and region, then exact
// category, then exact region, then the fallback. Category outranks region because
// the work (a fridge or a phone) drives labour more than where it is done.
func (idx labourIndex) match(serviceType, category, region string) (LabourRule, bool) {
	for _, k := range [][2]string{{category, region}, {category, Wildcard}, {Wildcard, region}, {Wildcard, Wildcard}} {
		if r, ok := idx[labourKey(serviceType, k[0], k[1])]; ok {
			return r, true
		}
	}
	return LabourRule{}, false
}

func labourLine(idx labourIndex, w work) Line {
	r, _ := idx.match(w.ServiceType, w.Category, w.Region) // a valid schedule has a fallback per type
	return Line{Kind: KindLabour, Code: "labour/" + w.ServiceType + "/" + r.Category + "/" + r.Region,
		Description: fmt.Sprintf("Labour: %s, %s, region %s", w.ServiceType, w.Category, orDash(w.Region)),
		Qty:         1, UnitAmount: r.Amount, Amount: r.Amount}
}

// travelLine prices distance km; beyond reports a distance past a closed last band,
// which is priced at that band and flagged for review.
func travelLine(bands []TravelBand, km float64) (Line, bool) {
	i := slices.IndexFunc(bands, func(b TravelBand) bool { return b.ToKm == nil || km < *b.ToKm })
	beyond := i < 0
	if beyond {
		i = len(bands) - 1
	}
	b := bands[i]
	span := fmt.Sprintf("%g+ km", b.FromKm)
	if b.ToKm != nil {
		span = fmt.Sprintf("%g-%g km", b.FromKm, *b.ToKm)
	}
	return Line{Kind: KindTravel, Code: "travel/" + span,
		Description: fmt.Sprintf("Travel %.1f km (band %s)", km, span), Qty: 1, UnitAmount: b.Amount, Amount: b.Amount}, beyond
}

func partLine(r PartsRule, p PartUse) Line {
	unit := p.ListPrice + applyBP(p.ListPrice, r.MarkupBP)
	return Line{Kind: KindParts, Code: p.PartNo,
		Description: fmt.Sprintf("Part %s at list price + %s%%", p.PartNo, Decimal(r.MarkupBP, "")),
		Qty:         p.Qty, UnitAmount: unit, Amount: unit * int64(p.Qty)}
}

func surchargeLines(s Surcharges, w work, labour int64) []Line {
	var out []Line
	if n := s.Night; n != nil && (w.Night || inNightWindow(n, w.At)) {
		out = append(out, chargeLine("night", fmt.Sprintf("Night surcharge (%s-%s)", n.From, n.To), n.Charge, labour))
	}
	if h := s.Holiday; h != nil && (w.Holiday || isHoliday(h, w.At)) {
		out = append(out, chargeLine("holiday", "Holiday surcharge", h.Charge, labour))
	}
	if r := s.Remote; r != nil && (w.Remote || isRemote(r, w)) {
		out = append(out, chargeLine("remote", "Remote-area surcharge", r.Charge, labour))
	}
	return out
}

func chargeLine(code, desc string, c Charge, labour int64) Line {
	amount := int64(0)
	if c.Amount != nil {
		amount = *c.Amount
	} else if c.PercentBP != nil {
		amount = applyBP(labour, *c.PercentBP)
		desc += fmt.Sprintf(", %s%% of labour", Decimal(*c.PercentBP, ""))
	}
	return Line{Kind: KindSurcharge, Code: "surcharge/" + code, Description: desc, Qty: 1, UnitAmount: amount, Amount: amount}
}

func inNightWindow(n *NightSurcharge, at time.Time) bool {
	if at.IsZero() {
		return false
	}
	from, _ := clockMinutes(n.From)
	to, _ := clockMinutes(n.To)
	local := at.In(Shanghai)
	m := local.Hour()*60 + local.Minute()
	if from < to {
		return m >= from && m < to
	}
	return m >= from || m < to // the window wraps midnight
}

func isHoliday(h *HolidaySurcharge, at time.Time) bool {
	return !at.IsZero() && slices.Contains(h.Dates, at.In(Shanghai).Format(time.DateOnly))
}

func isRemote(r *RemoteSurcharge, w work) bool {
	if r.OverKm != nil && w.DistanceKm > *r.OverKm {
		return true
	}
	return w.Region != "" && slices.Contains(r.Regions, w.Region)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// validKm reports whether km is a usable distance.
func validKm(km float64) bool { return !math.IsNaN(km) && !math.IsInf(km, 0) && km >= 0 && km <= MaxKm }
