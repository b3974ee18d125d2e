package dispatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLoadBookReloadKeepsChangesMadeWhileItRead(t *testing.T) {
	b := newLoadBook()
	b.add("TEC-1", 20260302, 1)
	b.add("TEC-2", 20260302, 1)
	mark := b.mark()
	b.add("TEC-1", 20260302, 1) // lands while the reload reads the stored counts
	b.replace(map[loadKey]int{{"TEC-1", 20260302}: 1, {"TEC-2", 20260302}: 3}, mark)

	assert.Equal(t, 2, b.OpenJobs("TEC-1", 20260302), "the local change after the mark is kept")
	assert.Equal(t, 3, b.OpenJobs("TEC-2", 20260302), "other counts come from the store")
	b.replace(map[loadKey]int{{"TEC-1", 20260302}: 5}, b.mark())
	assert.Equal(t, 5, b.OpenJobs("TEC-1", 20260302), "a later reload takes the stored count")
	assert.Zero(t, b.OpenJobs("TEC-3", 20260302))
}
