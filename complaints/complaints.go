// Package complaints is the front door of after-sales: intake of customer complaints from
// every channel, their class and SLA clocks, support tiers, escalation and triage into
// RMA and service-order requests. It also owns the follow-up call after resolution, its
// survey, and the complaint KPIs (FCR, CSAT, NPS, breaches).
package complaints

import (
	"slices"
	"time"

	"github.com/aftersales/aftersales/internal/aggregate"
)

// Channel is where a complaint came in.
type Channel = string

// Channels.
const (
	ChannelPhone       Channel = "phone"
	ChannelEmail       Channel = "email"
	ChannelChat        Channel = "chat"
	ChannelApp         Channel = "app"
	ChannelMarketplace Channel = "marketplace"
	ChannelSocialMedia Channel = "social_media"
)

// Channels lists every channel.
func Channels() []string {
	return []string{ChannelPhone, ChannelEmail, ChannelChat, ChannelApp, ChannelMarketplace, ChannelSocialMedia}
}

// Categories of complaint.
const (
	CategoryDamaged         = "damaged"
	CategoryWrongItem       = "wrong_item"
	CategoryMissingItem     = "missing_item"
	CategoryNotAsDescribed  = "not_as_described"
	CategoryQualityFault    = "quality_fault"
	CategoryNeedsRepair     = "needs_repair"
	CategoryInstallation    = "installation"
	CategoryLateDelivery    = "late_delivery"
	CategoryRefundDelay     = "refund_delay"
	CategoryServiceAttitude = "service_attitude"
	CategoryInvoice         = "invoice"
	CategoryOther           = "other"
)

// Categories lists every category.
func Categories() []string {
	return []string{CategoryDamaged, CategoryWrongItem, CategoryMissingItem, CategoryNotAsDescribed,
		CategoryQualityFault, CategoryNeedsRepair, CategoryInstallation, CategoryLateDelivery,
		CategoryRefundDelay, CategoryServiceAttitude, CategoryInvoice, CategoryOther}
}

// Flags an agent sets at intake; they feed the class rules.
const (
	FlagLossInvolved    = "loss_involved"    // the customer lost money or goods
	FlagMedia           = "media"            // raised publicly: press, a viral post, a regulator
	FlagServiceUnusable = "service_unusable" // our app or service does not work for the customer
)

// Flags lists every flag.
func Flags() []string { return []string{FlagLossInvolved, FlagMedia, FlagServiceUnusable} }

// Class decides a complaint's SLA clocks (DESIGN §2).
type Class = string

// Classes.
const (
	ClassGeneral       Class = "general"
	ClassSerious       Class = "serious"
	ClassSystemFault   Class = "system_fault"
	ClassPublicOpinion Class = "public_opinion"
)

// Classes lists every class.
func Classes() []string {
	return []string{ClassGeneral, ClassSerious, ClassSystemFault, ClassPublicOpinion}
}

// lossCategories are the categories in which the customer has lost goods or money.
var lossCategories = []string{CategoryDamaged, CategoryWrongItem, CategoryMissingItem, CategoryRefundDelay}

// Classify derives a complaint's class. The most exposed class wins: a public complaint
// is public_opinion whatever it is about; an unusable service outranks a loss because
// its clocks are the shortest.
func Classify(category string, channel Channel, flags []string) Class {
	switch {
	case channel == ChannelSocialMedia || slices.Contains(flags, FlagMedia):
		return ClassPublicOpinion
	case slices.Contains(flags, FlagServiceUnusable):
		return ClassSystemFault
	case slices.Contains(lossCategories, category) || slices.Contains(flags, FlagLossInvolved):
		return ClassSerious
	default:
		return ClassGeneral
	}
}

// reportedAtCreation are the classes a supervisor hears about as soon as they are opened.
var reportedAtCreation = []Class{ClassSerious, ClassPublicOpinion}

// Status is where a complaint is in its life.
type Status = string

// Statuses.
const (
	StatusOpen         Status = "open"          // taken in, nobody answered yet
	StatusInProgress   Status = "in_progress"   // an agent answered the customer
	StatusAwaitingWork Status = "awaiting_work" // triaged: linked RMAs/service orders are open
	StatusResolved     Status = "resolved"      // solved; the follow-up call is pending
	StatusClosed       Status = "closed"        // follow-up confirmed, or the customer was unreachable
	StatusReopened     Status = "reopened"      // the follow-up said "not resolved"
	StatusCancelled    Status = "cancelled"     // duplicate or withdrawn
)

// Statuses lists every status.
func Statuses() []string {
	return []string{StatusOpen, StatusInProgress, StatusAwaitingWork, StatusResolved,
		StatusClosed, StatusReopened, StatusCancelled}
}

// activeStatuses are the statuses in which the customer is still waiting: SLA clocks run.
var activeStatuses = []Status{StatusOpen, StatusInProgress, StatusAwaitingWork, StatusReopened}

// Attachment describes a file the customer sent; the file itself lives in object storage.
type Attachment struct {
	Name        string `bson:"name" json:"name"`
	ContentType string `bson:"content_type" json:"content_type"`
	Size        int64  `bson:"size" json:"size" doc:"bytes"`
	URL         string `bson:"url" json:"url"`
}

// Breach records one SLA clock passing its deadline.
type Breach struct {
	Clock string    `bson:"clock" json:"clock"` // response or resolution
	Due   time.Time `bson:"due" json:"due"`
	At    time.Time `bson:"at" json:"at"`
	Gen   int64     `bson:"gen" json:"-"`
}

// Complaint is one customer's case, stored as one aggregate document.
type Complaint struct {
	ID            string       `bson:"_id"`
	Channel       Channel      `bson:"channel"`
	Category      string       `bson:"category"`
	Flags         []string     `bson:"flags"`
	Class         Class        `bson:"class"`
	ClassReason   string       `bson:"class_reason,omitempty"` // set by a supervisor's override
	Status        Status       `bson:"status"`
	Tier          string       `bson:"tier"`
	Assignee      string       `bson:"assignee"` // user id; "" while in the tier's shared queue
	CustomerID    string       `bson:"customer_id"`
	CustomerName  string       `bson:"customer_name"`
	CustomerPhone string       `bson:"customer_phone"`
	SalesOrderID  string       `bson:"sales_order_id,omitempty"`
	Serial        string       `bson:"serial,omitempty"`
	Unit          *UnitInfo    `bson:"unit,omitempty"`
	Description   string       `bson:"description"`
	Attachments   []Attachment `bson:"attachments"`

	ResponseDue     time.Time  `bson:"response_due"`
	ResolutionDue   time.Time  `bson:"resolution_due"`
	ResolutionStart time.Time  `bson:"resolution_start"` // created_at, or the last reopening
	ClockGen        int64      `bson:"clock_gen"`        // bumped whenever deadlines move; old timers compare it
	FirstResponseAt *time.Time `bson:"first_response_at,omitempty"`
	SLAWarnings     []string   `bson:"sla_warnings"` // keys of warnings sent, see warningKey

	BreachedResponse   bool       `bson:"breached_response"`
	BreachedResolution bool       `bson:"breached_resolution"`
	Breached           bool       `bson:"breached"`
	Breaches           []Breach   `bson:"breaches"`
	Escalated          bool       `bson:"escalated_to_supervisor"`
	EscalatedAt        *time.Time `bson:"escalated_at,omitempty"`
	TierEscalations    int        `bson:"tier_escalations"`

	Work      []WorkItem `bson:"work"`
	OpenWork  int        `bson:"open_work"`
	WorkRound int        `bson:"work_round"` // bumped when linked work ends without all of it done

	Resolution   string     `bson:"resolution,omitempty"`
	ResolvedAt   *time.Time `bson:"resolved_at,omitempty"`
	ClosedAt     *time.Time `bson:"closed_at,omitempty"`
	CancelReason string     `bson:"cancel_reason,omitempty"`
	FCR          bool       `bson:"fcr"`
	Reopens      int        `bson:"reopens"`

	FollowUp       *FollowUp  `bson:"follow_up,omitempty"`
	FollowUpStatus string     `bson:"follow_up_status,omitempty"` // copy of FollowUp.Status, to query by
	FollowUpDue    *time.Time `bson:"follow_up_due,omitempty"`    // copy of FollowUp.DueAt, to query by
	Surveys        []Survey   `bson:"surveys"`

	aggregate.Base `bson:",inline"`
}

// UnitInfo is what the complaint keeps of the unit it names, as the registry knew it at intake.
type UnitInfo struct {
	SKU          string    `bson:"sku" json:"sku"`
	ProductName  string    `bson:"product_name" json:"product_name"`
	Category     string    `bson:"category" json:"category"`
	SalesOrderID string    `bson:"sales_order_id,omitempty" json:"sales_order_id,omitempty"`
	InWarranty   bool      `bson:"in_warranty" json:"in_warranty" doc:"at intake"`
	WarrantyEnd  time.Time `bson:"warranty_end" json:"warranty_end"`
}

// active reports whether the customer is still waiting.
func (c *Complaint) active() bool { return slices.Contains(activeStatuses, c.Status) }
