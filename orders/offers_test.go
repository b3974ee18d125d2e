package orders_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/dispatch"
	"github.com/aftersales/aftersales/internal/apitest"
	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/orders"
)

// candidates of the offer tests: three outsourced outlets, cheapest first.
type trio struct{ a, b, c string }

func (e *env) trio() trio {
	return trio{a: e.outlet("a", 1), b: e.outlet("b", 3), c: e.outlet("c", 5)}
}

func offeredTo(o *orders.ServiceOrder) string {
	if o.Offer == nil {
		return ""
	}
	return o.Offer.Candidate.ID
}

func TestDeclineMovesTheOrderToTheNextCandidateOnce(t *testing.T) {
	e := newEnv(t)
	n := e.trio()
	manager := e.person(auth.RoleOutlet, n.a, "")
	o := e.order()
	require.Equal(t, orders.StatusOffered, o.Status)
	require.Equal(t, n.a, offeredTo(o))
	first := *o.Offer

	r := e.Do(http.MethodPost, "/api/v1/outlet/offers/"+first.ID+"/decline", manager.tok(), map[string]any{"reason": "no technician free"})
	e.must(http.StatusOK, r)
	assert.Equal(t, orders.StatusDispatching, r.Map(t)["status"])
	again := e.Do(http.MethodPost, "/api/v1/outlet/offers/"+first.ID+"/decline", manager.tok(), map[string]any{"reason": "again"})
	assert.Equal(t, http.StatusConflict, again.Code, again.String())
	assert.Equal(t, string(apperr.CodeConflict), again.Map(t)["code"])

	assert.Equal(t, []string{dispatch.TypeAssign, "webhook:deliver"}, e.RunDue(), "one new assignment, and its offer sent")
	assert.Equal(t, []string{"/hooks/a offer.created", "/hooks/b offer.created"}, e.hooks.events(), "a decline needs no webhook")
	o = e.get(o.ID)
	assert.Equal(t, orders.StatusOffered, o.Status)
	assert.Equal(t, n.b, offeredTo(o), "the next cheapest candidate")
	assert.Equal(t, 2, o.Offer.Attempt)
	assert.Equal(t, []string{n.a}, o.Excluded)
	require.Len(t, o.Offers, 1)
	assert.Equal(t, dispatch.OfferDeclined, o.Offers[0].Status)
	assert.Equal(t, "no technician free", o.Offers[0].Reason)

	e.redeliver(dispatch.AssignEvent(o.ID))
	e.redeliver(dispatch.ExpireEvent(o.ID, first))
	again2 := e.get(o.ID)
	assert.Equal(t, o.Version, again2.Version, "a duplicate assignment or a stale expiry changes nothing")
	assert.Equal(t, 1, count(actions(again2), "offer_declined"))
	assert.Equal(t, 2, count(actions(again2), "offered"))
}

func TestExpiredOfferMovesTheOrderToTheNextCandidateOnce(t *testing.T) {
	e := newEnv(t)
	n := e.trio()
	o := e.order()
	first := *o.Offer
	assert.Equal(t, apitest.Start.Add(30*time.Minute), first.Deadline, "the default accept window is 30 minutes")

	e.Clock.Advance(29 * time.Minute)
	assert.Empty(t, e.RunDue(), "nothing is due before the deadline")
	e.Clock.Advance(time.Minute)
	ran := e.RunDue()
	assert.Equal(t, 1, count(ran, dispatch.TypeOfferExpire))
	assert.Equal(t, 1, count(ran, dispatch.TypeAssign))
	o = e.get(o.ID)
	assert.Equal(t, n.b, offeredTo(o))
	assert.Equal(t, dispatch.OfferExpired, o.Offers[0].Status)
	assert.Contains(t, e.hooks.events(), "/hooks/a "+dispatch.NoticeOfferExpired)

	e.redeliver(dispatch.ExpireEvent(o.ID, first))
	assert.Equal(t, o.Version, e.get(o.ID).Version, "the first offer's timer delivered twice changes nothing")

	// the second offer expires too, then the third; nobody is left: a dispatcher is asked
	e.Clock.Advance(30 * time.Minute)
	e.RunDue()
	assert.Equal(t, n.c, offeredTo(e.get(o.ID)))
	e.Clock.Advance(30 * time.Minute)
	assert.Contains(t, e.RunDue(), orders.TypeEscalated)
	o = e.get(o.ID)
	assert.Equal(t, orders.StatusDispatching, o.Status)
	assert.True(t, o.Escalated)
	assert.Equal(t, "no eligible candidate: 3 already declined or let an offer expire", o.EscalationReason)
	assert.Equal(t, []string{n.a, n.b, n.c}, o.Excluded)
}

func TestTooManyUnansweredOffersEscalateEvenWithCandidatesLeft(t *testing.T) {
	e := newEnvWith(t, orders.Config{MaxOffers: 1, AcceptWindow: 10 * time.Minute})
	n := e.trio()
	o := e.order()
	assert.Equal(t, apitest.Start.Add(10*time.Minute), o.Offer.Deadline, "the accept window is configurable")
	e.Clock.Advance(10 * time.Minute)
	e.RunDue()
	o = e.get(o.ID)
	assert.True(t, o.Escalated)
	assert.Equal(t, "no taker after 1 offers (declined or expired: "+n.a+")", o.EscalationReason)
}

// Accepting an offer and expiring it race when the deadline passes as the outlet
// answers. Both are conditional writes on the order's version and the open offer: over
// many orders, each ends either accepted or moved on, never both, and the loser of each
// race is told (409) or does nothing.
func TestAcceptAndExpiryRaceExactlyOneWins(t *testing.T) {
	e := newEnv(t)
	n := e.trio()
	manager := e.person(auth.RoleOutlet, n.a, "").principal()
	const rounds = 8
	var ids []string
	for range rounds {
		ids = append(ids, e.order().ID)
	}
	e.Clock.Advance(31 * time.Minute) // every deadline has passed; the expiry tasks are due
	ctx := context.Background()
	outcomes := map[string]int{}
	for _, id := range ids {
		o := e.get(id)
		require.Equal(t, orders.StatusOffered, o.Status)
		var acceptErr, expireErr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			_, acceptErr = e.svc.AcceptOffer(ctx, manager, o.Offer.ID, orders.AcceptInput{})
		}()
		go func() {
			defer wg.Done()
			<-start
			task, err := dispatch.ExpireEvent(o.ID, *o.Offer).Task()
			if err == nil {
				err = e.svc.HandleOfferExpire(ctx, task)
			}
			expireErr = err
		}()
		close(start)
		wg.Wait()
		require.NoError(t, expireErr, "the expiry handler never fails on a lost race: it re-reads and stops")
		after := e.get(id)
		acts := actions(after)
		accepted, expired := count(acts, "offer_accepted"), count(acts, "offer_expired")
		assert.Equal(t, 1, accepted+expired, "exactly one of accept and expiry lands: %v", acts)
		switch after.Status {
		case orders.StatusAccepted:
			assert.NoError(t, acceptErr)
			outcomes["accepted"]++
		case orders.StatusDispatching:
			var ae *apperr.Error
			require.True(t, errors.As(acceptErr, &ae), "the late accept is refused: %v", acceptErr)
			assert.Contains(t, []apperr.Code{apperr.CodeConflict, apperr.CodeVersionConflict}, ae.Code)
			outcomes["expired"]++
		default:
			t.Fatalf("order %s ended %s", id, after.Status)
		}
		require.Len(t, after.Offers, 1, "the offer is closed once")
	}
	t.Logf("outcomes over %d races: %v", rounds, outcomes)
}

func TestInHouseTechnicianAnswersTheirOwnOffer(t *testing.T) {
	e := newEnv(t)
	team := e.outlet("team", 0, inHouse)
	tech := e.technician(team, 1)
	other := e.technician(team, 25)
	me := e.person(auth.RoleTechnician, team, tech).principal()
	colleague := e.person(auth.RoleTechnician, team, other).principal()
	teamManager := e.person(auth.RoleOutlet, team, "").principal()
	o := e.order()
	require.Equal(t, tech, offeredTo(o))
	assert.Equal(t, dispatch.CandidateTechnician, o.Offer.Candidate.Kind)
	assert.Empty(t, e.hooks.events(), "technicians are not offered through a webhook")

	ctx := context.Background()
	_, err := e.svc.AcceptOffer(ctx, colleague, o.Offer.ID, orders.AcceptInput{})
	assert.ErrorIs(t, err, apperr.ErrNotFound, "another technician's offer is not found")
	_, err = e.svc.AcceptOffer(ctx, teamManager, o.Offer.ID, orders.AcceptInput{})
	assert.ErrorIs(t, err, apperr.ErrNotFound, "offers to in-house technicians are theirs to answer")
	mine, err := e.svc.OpenOffers(ctx, me, pageOf(10))
	require.NoError(t, err)
	require.Len(t, mine, 1)

	got, err := e.svc.AcceptOffer(ctx, me, o.Offer.ID, orders.AcceptInput{})
	require.NoError(t, err)
	assert.Equal(t, orders.StatusAccepted, got.Status)
	assert.Equal(t, tech, got.AssignedTechnicianID)
	assert.Equal(t, team, got.AssignedOutletID)
	assert.Equal(t, tech, got.LoadRef, "an in-house technician's own capacity is taken")

	_, err = e.svc.RecordVisit(ctx, colleague, o.ID, orders.VisitInput{Stage: orders.StageEnRoute})
	assert.ErrorIs(t, err, apperr.ErrNotFound, "only the assigned technician reports the visit")
	_, err = e.svc.Complete(ctx, me, o.ID, orders.CompleteInput{ResolutionCode: "repaired", FaultFound: "x", WorkDone: "y", SignatureRef: "s"})
	assert.ErrorIs(t, err, apperr.ErrConflict, "completing before being on site is refused")
}
