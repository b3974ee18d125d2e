package main

import (
	"context"
	"errors"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/orders"
	"github.com/aftersales/aftersales/parts"
)

// The adapters below give parts what it needs of the network, orders and fees without
// parts importing them: each is a few lines of translation, kept where the system is
// assembled.

// partsLocations implements parts.Locations over the dispatch network: a warehouse, an
// outlet, or a technician's van.
type partsLocations struct{ net *dispatch.Service }

func (l partsLocations) Exists(ctx context.Context, kind, id string) (bool, error) {
	var err error
	switch kind {
	case "warehouse":
		_, err = l.net.GetWarehouse(ctx, auth.Principal{}, id) // any caller may learn a warehouse exists
	case "outlet":
		_, err = l.net.LookupOutlet(ctx, id)
	case "van":
		_, err = l.net.LookupTechnician(ctx, id)
	default:
		return false, nil
	}
	if errors.Is(err, apperr.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// OutletOf implements parts.Technicians.
func (l partsLocations) OutletOf(ctx context.Context, technicianID string) (string, error) {
	t, err := l.net.LookupTechnician(ctx, technicianID)
	return t.OutletID, err
}

// quotes is what parts' order lookup needs of fees.
type quotes interface {
	QuoteAccepted(ctx context.Context, orderID string) (bool, error)
}

// partsOrders implements parts.Orders over the orders service and fees' quotes.
type partsOrders struct {
	orders *orders.Service
	quotes quotes
}

func (p partsOrders) OrderForParts(ctx context.Context, orderID string) (parts.OrderInfo, error) {
	o, err := p.orders.Order(ctx, orderID)
	if err != nil {
		return parts.OrderInfo{}, err
	}
	info := parts.OrderInfo{ID: o.ID, TechnicianID: o.AssignedTechnicianID, OutletID: o.AssignedOutletID,
		UnitSerial: o.Serial, Category: o.Category}
	if o.Unit != nil {
		info.InWarranty = o.Unit.InWarranty
	}
	if !info.InWarranty {
		if info.CustomerQuoteAccepted, err = p.quotes.QuoteAccepted(ctx, orderID); err != nil {
			return parts.OrderInfo{}, err
		}
	}
	return info, nil
}
