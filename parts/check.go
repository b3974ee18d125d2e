package parts

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// CheckRow compares one stock figure with its recomputation from the ledger.
type CheckRow struct {
	Location       string `json:"location"`
	PartNo         string `json:"part_no"`
	Serialised     bool   `json:"serialised"`
	StoredOnHand   int64  `json:"stored_on_hand"`
	StoredReserved int64  `json:"stored_reserved"`
	LedgerOnHand   int64  `json:"ledger_on_hand"`
	LedgerReserved int64  `json:"ledger_reserved"`
}

// OK reports whether stored and recomputed agree and neither is negative.
func (r CheckRow) OK() bool {
	return r.StoredOnHand == r.LedgerOnHand && r.StoredReserved == r.LedgerReserved &&
		r.StoredOnHand >= 0 && r.StoredReserved >= 0
}

// LedgerCheck is the result of recomputing every stock figure from the ledger.
type LedgerCheck struct {
	Checked    int        `json:"checked" doc:"stock figures compared"`
	Mismatches []CheckRow `json:"mismatches"`
	PendingOps int        `json:"pending_ops" doc:"operations not yet settled (in flight, or stranded by a crash until repaired)"`
	OK         bool       `json:"ok"`
	CheckedAt  time.Time  `json:"checked_at"`
}

// CheckLedger recomputes every stock figure from the ledger and compares it with the
// stored one. Applied entries count; so do pending entries whose change has landed (the
// stock document or serial still names their operation), which is why the check holds
// at any moment, even right after a crash and before repair.
func (s *Service) CheckLedger(ctx context.Context) (LedgerCheck, error) {
	var stock []stockDoc
	var serials []serialDoc
	var entries []entryDoc
	if err := s.ledger.stock.Find(ctx, bson.D{}, &stock); err != nil {
		return LedgerCheck{}, err
	}
	if err := s.ledger.serials.Find(ctx, bson.D{}, &serials); err != nil {
		return LedgerCheck{}, err
	}
	if err := s.ledger.entries.Find(ctx, bson.D{}, &entries); err != nil {
		return LedgerCheck{}, err
	}
	rows := stored(stock, serials)
	pending := recompute(rows, entries, landedIn(stock, serials))
	out := LedgerCheck{Checked: len(rows), Mismatches: []CheckRow{}, PendingOps: len(pending), CheckedAt: s.clock.Now()}
	for _, r := range rows {
		if !r.OK() {
			out.Mismatches = append(out.Mismatches, *r)
		}
	}
	slices.SortFunc(out.Mismatches, func(a, b CheckRow) int {
		return strings.Compare(a.Location+"|"+a.PartNo, b.Location+"|"+b.PartNo)
	})
	out.OK = len(out.Mismatches) == 0
	return out, nil
}

// stored is every figure as stored: stock documents, and serials counted per location.
func stored(stock []stockDoc, serials []serialDoc) map[string]*CheckRow {
	rows := map[string]*CheckRow{}
	for _, d := range stock {
		rows[d.ID] = &CheckRow{Location: d.Location, PartNo: d.PartNo, StoredOnHand: d.OnHand, StoredReserved: d.Reserved}
	}
	for _, d := range serials {
		if !slices.Contains(stockStates, d.State) {
			continue
		}
		r := row(rows, d.Location, d.PartNo, true)
		if d.State == SerialReserved {
			r.StoredReserved++
		} else {
			r.StoredOnHand++
		}
	}
	return rows
}

func row(rows map[string]*CheckRow, location, partNo string, serialised bool) *CheckRow {
	k := stockID(location, partNo)
	r, ok := rows[k]
	if !ok {
		r = &CheckRow{Location: location, PartNo: partNo}
		rows[k] = r
	}
	r.Serialised = r.Serialised || serialised
	return r
}

// landedIn says whether operation op has landed on the document of entry e.
func landedIn(stock []stockDoc, serials []serialDoc) func(e entryDoc) bool {
	touched := map[string][]string{}
	for _, d := range stock {
		touched[d.ID] = d.Touched
	}
	for _, d := range serials {
		touched["serial:"+d.ID] = d.Movements
	}
	return func(e entryDoc) bool {
		if e.Serial != "" {
			return slices.Contains(touched["serial:"+serialID(e.PartNo, e.Serial)], e.Op)
		}
		return slices.Contains(touched[stockID(e.Location, e.PartNo)], e.Op)
	}
}

// recompute adds every counting entry into rows and returns the pending operations.
func recompute(rows map[string]*CheckRow, entries []entryDoc, landed func(entryDoc) bool) map[string]bool {
	pending := map[string]bool{}
	for _, e := range entries {
		if e.State == entryPending {
			pending[e.Op] = true
			if !landed(e) {
				continue
			}
		}
		r := row(rows, e.Location, e.PartNo, e.Serial != "")
		r.LedgerOnHand += e.DeltaOnHand
		r.LedgerReserved += e.DeltaReserved
	}
	return pending
}
