package auth

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcurrentPatchesOfOneVersionLetExactlyOneWin(t *testing.T) {
	e := newEnv(t)
	token := e.adminToken()
	u := e.createUser(agent("a@example.com"))

	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := UpdateUserInput{Version: u.Version, Name: ptr(fmt.Sprintf("Name %d", i))}
			codes[i] = e.do(http.MethodPatch, "/api/v1/admin/users/"+u.ID, token, body).Code
		}()
	}
	close(start)
	wg.Wait()

	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: n - 1}, count)

	var d userDoc
	require.NoError(t, e.svc.users.Load(context.Background(), u.ID, &d))
	updates := 0
	for _, h := range d.History {
		if h.Action == "updated" {
			updates++
		}
	}
	assert.Equal(t, 1, updates, "one history entry for the one change that landed")
	assert.Equal(t, u.Version+1, d.Version)
}
