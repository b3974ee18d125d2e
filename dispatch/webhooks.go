package dispatch

import (
	"context"
	"errors"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/webhook"
)

// Webhook target kinds.
const (
	TargetWarehouse = "warehouse"
	TargetOutlet    = "outlet"
)

// Endpoint implements webhook.Endpoints: it reads the member's URL and secret when a
// delivery is sent, so a rotated secret applies to deliveries still queued.
func (s *Service) Endpoint(ctx context.Context, t webhook.Target) (webhook.Endpoint, bool, error) {
	var hook Webhook
	switch t.Kind {
	case TargetWarehouse:
		var d warehouseDoc
		if err := s.warehouses.Load(ctx, t.ID, &d); err != nil {
			return webhook.Endpoint{}, false, missingIsNone(err)
		}
		hook = d.Webhook
	case TargetOutlet:
		var d outletDoc
		if err := s.outlets.Load(ctx, t.ID, &d); err != nil {
			return webhook.Endpoint{}, false, missingIsNone(err)
		}
		hook = d.Webhook
	default:
		return webhook.Endpoint{}, false, nil
	}
	if !hook.Configured() {
		return webhook.Endpoint{}, false, nil
	}
	return webhook.Endpoint{URL: hook.URL, Secret: hook.Secret}, true, nil
}

// missingIsNone treats a deleted or unknown member as having no endpoint: retrying
// would not make it appear.
func missingIsNone(err error) error {
	if errors.Is(err, apperr.ErrNotFound) {
		return nil
	}
	return err
}
