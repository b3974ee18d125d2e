package parts

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/httpx"
)

// StockLevel is the stock of one part at one location. Reserved units are still there,
// held for a requisition or transfer.
type StockLevel struct {
	Location        string   `json:"location"`
	PartNo          string   `json:"part_no"`
	Serialised      bool     `json:"serialised"`
	OnHand          int64    `json:"on_hand"`
	Reserved        int64    `json:"reserved"`
	Serials         []string `json:"serials,omitempty" doc:"serials on hand"`
	ReservedSerials []string `json:"reserved_serials,omitempty"`
}

var stockStates = []string{SerialInStock, SerialIssuedToVan, SerialReserved}

// Stock lists the stock p may see, at one location or all of theirs, optionally of one part.
func (s *Service) Stock(ctx context.Context, p auth.Principal, location, partNo string) ([]StockLevel, error) {
	levels, err := s.levels(ctx, p, location)
	if err != nil || partNo == "" {
		return levels, err
	}
	no := NormalizePartNo(partNo)
	return slices.DeleteFunc(levels, func(l StockLevel) bool { return l.PartNo != no }), nil
}

func (s *Service) levels(ctx context.Context, p auth.Principal, location string) ([]StockLevel, error) {
	filter, err := s.levelsFilter(ctx, p, location)
	if err != nil {
		return nil, err
	}
	var stock []stockDoc
	if err := s.ledger.stock.Find(ctx, filter, &stock); err != nil {
		return nil, err
	}
	out := []StockLevel{}
	for _, d := range stock {
		if d.OnHand != 0 || d.Reserved != 0 {
			out = append(out, StockLevel{Location: d.Location, PartNo: d.PartNo, OnHand: d.OnHand, Reserved: d.Reserved})
		}
	}
	var serials []serialDoc
	sf := append(bson.D{{Key: "state", Value: bson.D{{Key: "$in", Value: stockStates}}}}, filter...)
	if err := s.ledger.serials.Find(ctx, sf, &serials); err != nil {
		return nil, err
	}
	out = append(out, serialLevels(serials)...)
	slices.SortFunc(out, func(a, b StockLevel) int {
		return strings.Compare(a.Location+"|"+a.PartNo, b.Location+"|"+b.PartNo)
	})
	return out, nil
}

func serialLevels(serials []serialDoc) []StockLevel {
	byKey := map[string]*StockLevel{}
	var keys []string
	for _, d := range serials {
		k := stockID(d.Location, d.PartNo)
		l, ok := byKey[k]
		if !ok {
			l = &StockLevel{Location: d.Location, PartNo: d.PartNo, Serialised: true, Serials: []string{}, ReservedSerials: []string{}}
			byKey[k], keys = l, append(keys, k)
		}
		if d.State == SerialReserved {
			l.Reserved, l.ReservedSerials = l.Reserved+1, append(l.ReservedSerials, d.Serial)
		} else {
			l.OnHand, l.Serials = l.OnHand+1, append(l.Serials, d.Serial)
		}
	}
	out := make([]StockLevel, len(keys))
	for i, k := range keys {
		out[i] = *byKey[k]
	}
	return out
}

// LedgerEntry is one line of the stock ledger.
type LedgerEntry struct {
	ID            string    `json:"id"`
	Op            string    `json:"op" doc:"the movement: legs of one change share it"`
	State         string    `json:"state" doc:"pending until the change is settled, then applied"`
	Location      string    `json:"location"`
	PartNo        string    `json:"part_no"`
	Serial        string    `json:"serial,omitempty"`
	DeltaOnHand   int64     `json:"delta_on_hand"`
	DeltaReserved int64     `json:"delta_reserved"`
	Reason        string    `json:"reason"`
	Ref           string    `json:"ref,omitempty"`
	Note          string    `json:"note,omitempty"`
	Actor         string    `json:"actor"`
	At            time.Time `json:"at"`
}

func (e entryDoc) view() LedgerEntry {
	return LedgerEntry{ID: e.ID, Op: e.Op, State: e.State, Location: e.Location, PartNo: e.PartNo, Serial: e.Serial,
		DeltaOnHand: e.DeltaOnHand, DeltaReserved: e.DeltaReserved, Reason: e.Reason, Ref: e.Ref, Note: e.Note,
		Actor: e.Actor, At: e.At}
}

// LedgerFilter narrows the ledger list.
type LedgerFilter struct {
	Location string
	PartNo   string
	Ref      string
	Serial   string
}

// Ledger lists ledger entries, oldest first. Roles bound to a location must name one
// of theirs; admins, supervisors and finance may list any.
func (s *Service) Ledger(ctx context.Context, p auth.Principal, f LedgerFilter, page httpx.Page) (httpx.PageResult[LedgerEntry], error) {
	filter := bson.D{}
	if f.Location != "" {
		loc, err := ParseLocation(f.Location)
		if err != nil {
			return httpx.PageResult[LedgerEntry]{}, invalid("location", err.Error())
		}
		if ok, err := s.sees(ctx, p, loc); err != nil || !ok {
			return httpx.PageResult[LedgerEntry]{}, firstErr(err, notFoundAt("location", "location"))
		}
		filter = append(filter, bson.E{Key: "location", Value: loc.String()})
	} else if !p.HasRole(readAll...) {
		return httpx.PageResult[LedgerEntry]{}, invalid("location", "is required")
	}
	for k, v := range map[string]string{"part_no": NormalizePartNo(f.PartNo), "ref": strings.TrimSpace(f.Ref), "serial": NormalizeSerial(f.Serial)} {
		if v != "" {
			filter = append(filter, bson.E{Key: k, Value: v})
		}
	}
	return findPage(ctx, s.ledger.entries, filter, page, entryDoc.view, func(e LedgerEntry) string { return e.ID })
}

// SerialTrace is where a serial is and every stock movement it took.
type SerialTrace struct {
	PartNo    string        `json:"part_no"`
	Serial    string        `json:"serial"`
	Location  string        `json:"location"`
	State     string        `json:"state"`
	Ref       string        `json:"ref,omitempty" doc:"what last moved it"`
	Movements []string      `json:"movements"`
	Ledger    []LedgerEntry `json:"ledger"`
}

// Serial traces one serial from the shelf to the unit and back.
func (s *Service) Serial(ctx context.Context, p auth.Principal, partNo, serial string) (SerialTrace, error) {
	var d serialDoc
	if err := load(ctx, s.ledger.serials, serialID(NormalizePartNo(partNo), NormalizeSerial(serial)), "serial", &d); err != nil {
		return SerialTrace{}, err
	}
	if !p.HasRole(readAll...) && p.Role != auth.RoleWarehouse {
		loc, err := ParseLocation(d.Location)
		if ok, cerr := s.controls(ctx, p, loc); err != nil || cerr != nil || !ok {
			return SerialTrace{}, firstErr(cerr, apperr.NotFound("serial"))
		}
	}
	var entries []entryDoc
	err := s.ledger.entries.Find(ctx, bson.D{{Key: "serial", Value: d.Serial}, {Key: "part_no", Value: d.PartNo}}, &entries,
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return SerialTrace{}, err
	}
	t := SerialTrace{PartNo: d.PartNo, Serial: d.Serial, Location: d.Location, State: d.State, Ref: d.Ref,
		Movements: nonNil(d.Movements), Ledger: make([]LedgerEntry, len(entries))}
	for i, e := range entries {
		t.Ledger[i] = e.view()
	}
	return t, nil
}
