package httpx_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/httpx"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox/mongotest"
)

func parsePage(query string) (httpx.Page, error) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/x?"+query, nil)
	return httpx.ParsePage(c)
}

func TestParsePageReadsLimitAndCursor(t *testing.T) {
	cases := []struct {
		query string
		want  httpx.Page
	}{
		{"", httpx.Page{Limit: 50}},
		{"limit=1", httpx.Page{Limit: 1}},
		{"limit=200", httpx.Page{Limit: 200}},
		{"cursor=" + httpx.EncodeCursor("RMA-01J"), httpx.Page{Limit: 50, After: "RMA-01J"}},
		{"limit=10&cursor=" + httpx.EncodeCursor("a/b+c?d"), httpx.Page{Limit: 10, After: "a/b+c?d"}},
	}
	for _, tc := range cases {
		got, err := parsePage(tc.query)
		require.NoError(t, err, tc.query)
		assert.Equal(t, tc.want, got, tc.query)
	}
}

func TestParsePageRefusesBadValuesWithFieldDetails(t *testing.T) {
	cases := []struct {
		query  string
		fields []string
	}{
		{"limit=0", []string{"limit"}},
		{"limit=201", []string{"limit"}},
		{"limit=-5", []string{"limit"}},
		{"limit=ten", []string{"limit"}},
		{"limit=", []string{"limit"}},
		{"cursor=", []string{"cursor"}},
		{"cursor=not*base64", []string{"cursor"}},
		{"cursor=Uk1BLTAx%3D%3D", []string{"cursor"}}, // padded: not what the API hands out
		{"limit=0&cursor=!!", []string{"limit", "cursor"}},
	}
	for _, tc := range cases {
		_, err := parsePage(tc.query)
		var e *apperr.Error
		require.ErrorAs(t, err, &e, tc.query)
		assert.Equal(t, apperr.CodeValidation, e.Code, tc.query)
		assert.Len(t, e.Details, len(tc.fields), tc.query)
		for _, f := range tc.fields {
			assert.Contains(t, e.Details, f, tc.query)
		}
	}
}

type part struct {
	ID   string `bson:"_id" json:"id"`
	Kind string `bson:"kind" json:"kind"`
}

// listEngine serves GET /parts?kind=… from a real collection, paginated.
func listEngine(t *testing.T, n int) (*gin.Engine, []string) {
	t.Helper()
	coll := mongotest.DB(t).Collection("parts")
	docs, want := make([]any, n), make([]string, n)
	for i := range n {
		want[i] = ids.New("PRT")
		docs[i] = part{ID: want[i], Kind: []string{"even", "odd"}[i%2]}
	}
	_, err := coll.Mongo().InsertMany(context.Background(), docs)
	require.NoError(t, err)
	e := newEngine(nil)
	e.GET("/parts", func(c *gin.Context) {
		p, err := httpx.ParsePage(c)
		if err != nil {
			httpx.Error(c, err)
			return
		}
		filter := bson.D{}
		if k := c.Query("kind"); k != "" {
			filter = append(filter, bson.E{Key: "kind", Value: k})
		}
		var items []part
		if err := coll.Find(c.Request.Context(), p.Filter(filter), &items, p.FindOptions()); err != nil {
			httpx.Error(c, err)
			return
		}
		c.JSON(http.StatusOK, httpx.NewPageResult(items, p.Limit, func(x part) string { return x.ID }))
	})
	return e, want
}

type partsPage struct {
	Items      []part  `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// walk follows next_cursor from the first page to the last and returns the page sizes
// and every id in order.
func walk(t *testing.T, e http.Handler, query string) (sizes []int, got []string) {
	t.Helper()
	cursor := ""
	for range 100 {
		w := call(e, "GET", "/parts?"+query+cursor, "")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var p partsPage
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
		require.NotNil(t, p.Items, "items is [] not null")
		sizes = append(sizes, len(p.Items))
		for _, it := range p.Items {
			got = append(got, it.ID)
		}
		if p.NextCursor == nil {
			return sizes, got
		}
		cursor = "&cursor=" + *p.NextCursor
	}
	t.Fatal("pagination did not end")
	return nil, nil
}

func TestPaginationWalksEveryDocumentOnceInOrder(t *testing.T) {
	e, want := listEngine(t, 120)
	cases := []struct {
		query string
		sizes []int
	}{
		{"", []int{50, 50, 20}},
		{"limit=40", []int{40, 40, 40}}, // exact multiple: no empty trailing page
		{"limit=200", []int{120}},
		{"limit=7", nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("q=%s", tc.query), func(t *testing.T) {
			sizes, got := walk(t, e, tc.query)
			if tc.sizes != nil {
				assert.Equal(t, tc.sizes, sizes)
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestPaginationKeepsTheCallersFilter(t *testing.T) {
	e, all := listEngine(t, 120)
	var odd []string
	for i, id := range all {
		if i%2 == 1 {
			odd = append(odd, id)
		}
	}
	sizes, got := walk(t, e, "kind=odd&limit=25")
	assert.Equal(t, []int{25, 25, 10}, sizes)
	assert.Equal(t, odd, got)
}

func TestPageResultOfNothingIsAnEmptyLastPage(t *testing.T) {
	b, err := json.Marshal(httpx.NewPageResult[part](nil, 50, func(p part) string { return p.ID }))
	require.NoError(t, err)
	assert.JSONEq(t, `{"items":[]}`, string(b))
}

func TestPageResultTrimsTheLookAheadItem(t *testing.T) {
	r := httpx.NewPageResult([]string{"a", "b", "c"}, 2, func(s string) string { return s })
	assert.Equal(t, []string{"a", "b"}, r.Items)
	assert.Equal(t, httpx.EncodeCursor("b"), r.NextCursor)
}
