package httpx

import (
	"encoding/base64"
	"strconv"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/openapi"
)

// Page size bounds for list endpoints.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// PageParams documents the limit and cursor query parameters; list operations
// append them to their openapi.Operation.Query.
var PageParams = []openapi.Param{
	{Name: "limit", Type: "integer", Description: "page size, 1 to 200 (default 50)"},
	{Name: "cursor", Description: "next_cursor from the previous page; omit for the first page"},
}

// Page is one window of a list ordered by _id: at most Limit items after the _id After
// (empty for the first page).
type Page struct {
	Limit int
	After string
}

// ParsePage reads ?limit= and ?cursor=. The cursor is the last _id of the previous
// page, base64url-encoded so clients treat it as opaque.
func ParsePage(c *gin.Context) (Page, error) {
	p, bad := Page{Limit: DefaultPageLimit}, apperr.Fields{}
	if s, ok := c.GetQuery("limit"); ok {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageLimit {
			bad.Add("limit", "must be an integer from 1 to %d", MaxPageLimit)
		}
		p.Limit = n
	}
	if s, ok := c.GetQuery("cursor"); ok {
		after, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(after) == 0 {
			bad.Add("cursor", "is not a cursor this API returned")
		}
		p.After = string(after)
	}
	if err := bad.Err(); err != nil {
		return Page{}, err
	}
	return p, nil
}

// Filter returns filter with the page's position added: _id greater than the cursor.
func (p Page) Filter(filter bson.D) bson.D {
	out := append(bson.D{}, filter...)
	if p.After != "" {
		out = append(out, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: p.After}}})
	}
	return out
}

// FindOptions sorts by _id and fetches one item more than the page holds, which tells
// NewPageResult whether another page follows without a count.
func (p Page) FindOptions() *options.FindOptionsBuilder {
	return options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(p.Limit) + 1)
}

// PageResult is the JSON shape of every list response.
type PageResult[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"pass as ?cursor= for the next page; absent on the last page"`
}

// NewPageResult trims items fetched with FindOptions (up to limit+1) to the page and
// sets NextCursor when more follow. Items is never nil, so it encodes as [].
func NewPageResult[T any](items []T, limit int, idOf func(T) string) PageResult[T] {
	if items == nil {
		items = []T{}
	}
	if limit < 1 || len(items) <= limit {
		return PageResult[T]{Items: items}
	}
	items = items[:limit]
	return PageResult[T]{Items: items, NextCursor: EncodeCursor(idOf(items[limit-1]))}
}

// EncodeCursor makes the opaque cursor for the page after the item with _id id.
func EncodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }
