package mobileapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aftersales/aftersales/mobileapi"
)

func pngOf(size int, fill byte) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{fill}, size-8)...)
}

func (e *env) upload(tok, job, slot string, body []byte, contentType string) *apiResponse {
	e.t.Helper()
	return e.Do(http.MethodPost, "/mobile/v1/jobs/"+job+"/photos?slot="+slot, tok, body, "Content-Type", contentType)
}

func TestOversizedOrNonImageUploadsAreRefusedAndNothingIsStored(t *testing.T) {
	e := newEnvWith(t, mobileapi.Config{MaxPhotoBytes: 4096})
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	tok := e.a.tok()
	for _, c := range []struct {
		name string
		body []byte
		ct   string
		code int
	}{
		{"text claiming to be a jpeg", []byte("just some text, not a picture at all"), "image/jpeg", http.StatusUnsupportedMediaType},
		{"a pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{1}, 100)...), "image/png", http.StatusUnsupportedMediaType},
		{"over the photo limit", pngOf(5000, 7), "image/png", http.StatusRequestEntityTooLarge},
		{"over the server's body limit", pngOf(2<<20, 7), "image/png", http.StatusRequestEntityTooLarge},
	} {
		r := e.upload(tok, job, "before", c.body, c.ct)
		assert.Equal(t, c.code, r.Code, "%s: %s", c.name, r.String())
	}
	r := e.Do(http.MethodPut, "/mobile/v1/jobs/"+job+"/signature", tok, []byte("\xff\xd8\xff\xe0 a jpeg is not a signature"), "Content-Type", "image/jpeg")
	assert.Equal(t, http.StatusUnsupportedMediaType, r.Code, r.String())
	assert.Equal(t, http.StatusBadRequest, e.upload(tok, job, "sideways", pngOf(100, 1), "image/png").Code)
	assert.Zero(t, e.Count(mobileapi.PhotosCollection))
	assert.Zero(t, e.Count(mobileapi.PhotoChunksCollection))
}

func TestPhotoIsStoredInChunksWithItsHashAndReuseOnAnotherJobIsFlagged(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	other := e.jobFor(e.a, e.other, "SN-AC-2")
	img := pngOf(600<<10, 3) // three chunks of 255 KiB
	sum := sha256.Sum256(img)
	var ph mobileapi.Photo
	e.must(http.StatusCreated, e.upload(e.a.tok(), job, "before", img, "image/png")).JSON(t, &ph)
	assert.Equal(t, hex.EncodeToString(sum[:]), ph.SHA256)
	assert.Equal(t, "image/png", ph.ContentType)
	assert.EqualValues(t, len(img), ph.Size)
	assert.Empty(t, ph.Flags)
	assert.EqualValues(t, 3, e.Count(mobileapi.PhotoChunksCollection))

	var same mobileapi.Photo
	e.must(http.StatusCreated, e.upload(e.a.tok(), job, "after", img, "image/png")).JSON(t, &same)
	assert.Empty(t, same.Flags, "the same job may show the same picture twice")

	var reused mobileapi.Photo
	e.must(http.StatusCreated, e.upload(e.a.tok(), other, "before", img, "application/octet-stream")).JSON(t, &reused)
	assert.Equal(t, []string{mobileapi.FlagPhotoReused}, reused.Flags)
	assert.Equal(t, job, reused.ReusedFrom)

	ev := e.event(e.a.tok(), other, "check_in", withPhoto(e.at(0, 10), reused.ID))
	assert.Contains(t, ev.Flags, mobileapi.FlagPhotoReused, "an event showing a reused photo carries the flag")
	r := e.Do(http.MethodPost, "/mobile/v1/jobs/"+job+"/check_in", e.a.tok(), withPhoto(e.at(0, 10), reused.ID))
	assert.Equal(t, http.StatusBadRequest, r.Code, "another job's photo: %s", r.String())
}

func TestPhotoUploadAcceptsAMultipartForm(t *testing.T) {
	e := newEnv(t)
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", "before.jpg")
	require.NoError(t, err)
	_, err = part.Write(append([]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), bytes.Repeat([]byte{9}, 200)...))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	var ph mobileapi.Photo
	e.must(http.StatusCreated, e.upload(e.a.tok(), job, "during", buf.Bytes(), w.FormDataContentType())).JSON(t, &ph)
	assert.Equal(t, "image/jpeg", ph.ContentType)
	assert.Equal(t, "during", ph.Slot)
}

func withPhoto(body map[string]any, id string) map[string]any {
	body["photo_id"] = id
	return body
}

func TestPhotoLargerThanTheJSONBodyLimitIsAcceptedUpToThePhotoLimit(t *testing.T) {
	e := newEnv(t) // default photo limit 5 MiB; JSON bodies stay at 1 MiB
	job := e.jobFor(e.a, e.customer, "SN-AC-1")
	img := pngOf(2<<20, 5)
	var ph mobileapi.Photo
	e.must(http.StatusCreated, e.upload(e.a.tok(), job, "during", img, "image/png")).JSON(t, &ph)
	assert.EqualValues(t, len(img), ph.Size)
	assert.EqualValues(t, 9, e.Count(mobileapi.PhotoChunksCollection), "2 MiB in 255 KiB chunks")

	r := e.upload(e.a.tok(), job, "after", pngOf(6<<20, 5), "image/png")
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.Code, r.String())
	assert.EqualValues(t, 1, e.Count(mobileapi.PhotosCollection))
}
