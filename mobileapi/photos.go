package mobileapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/aftersales/aftersales/internal/apperr"
	"github.com/aftersales/aftersales/internal/auth"
	"github.com/aftersales/aftersales/internal/ids"
	"github.com/aftersales/aftersales/internal/mongox"
)

// chunkSize is GridFS's default: photos are stored as chunk documents we write
// ourselves, since FerretDB v1's GridFS support is uncertain.
const chunkSize = 255 << 10

// photoTypes are the image types a job photo may be; a signature is a PNG.
var photoTypes = []string{"image/jpeg", "image/png", "image/webp"}

// Photo is an uploaded image's metadata; its bytes are in photo_chunks.
type Photo struct {
	ID           string    `bson:"_id" json:"id"`
	OrderID      string    `bson:"order_id" json:"order_id"`
	TechnicianID string    `bson:"technician_id" json:"technician_id"`
	Slot         string    `bson:"slot" json:"slot"`
	SHA256       string    `bson:"sha256" json:"sha256"`
	Size         int64     `bson:"size" json:"size"`
	ContentType  string    `bson:"content_type" json:"content_type" doc:"as sniffed from the bytes"`
	Chunks       int       `bson:"chunks" json:"-"`
	UploadedAt   time.Time `bson:"uploaded_at" json:"uploaded_at"`
	Flags        []string  `bson:"flags" json:"flags"`
	ReusedFrom   string    `bson:"reused_from,omitempty" json:"reused_from,omitempty" doc:"another job that already has a photo with these bytes"`
}

type chunk struct {
	ID      string `bson:"_id"`
	PhotoID string `bson:"photo_id"`
	N       int    `bson:"n"`
	Data    []byte `bson:"data"`
}

// Upload stores an image for the caller's job id in slot. Over the size limit is 413,
// bytes that are not an allowed image are 415; either way nothing is stored.
func (s *Service) Upload(ctx context.Context, p auth.Principal, id, slot string, body io.Reader) (Photo, error) {
	if _, err := s.job(ctx, p, id); err != nil {
		return Photo{}, err
	}
	allowed := []string{"image/png"}
	if slot != SlotSignature {
		if !slices.Contains(PhotoSlots(), slot) {
			return Photo{}, apperr.Fields{"slot": "must be one of before, during, after"}.Err()
		}
		allowed = photoTypes
	}
	data, err := s.readImage(body, allowed)
	if err != nil {
		return Photo{}, err
	}
	sum := sha256.Sum256(data)
	ph := Photo{ID: ids.New("PHO"), OrderID: id, TechnicianID: p.TechnicianID, Slot: slot, SHA256: hex.EncodeToString(sum[:]),
		Size: int64(len(data)), ContentType: http.DetectContentType(data), UploadedAt: s.clock.Now().UTC(), Flags: []string{}}
	if slot != SlotSignature {
		if err := s.checkReuse(ctx, &ph); err != nil {
			return Photo{}, err
		}
	}
	return ph, s.store(ctx, &ph, data)
}

// readImage reads at most the limit and sniffs the bytes; the declared type is not
// trusted.
func (s *Service) readImage(body io.Reader, allowed []string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, s.cfg.MaxPhotoBytes+1))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, apperr.New(apperr.CodeTooLarge, "the image is larger than %d bytes", tooBig.Limit)
	case err != nil:
		return nil, apperr.New(apperr.CodeInvalidJSON, "could not read the upload")
	case int64(len(data)) > s.cfg.MaxPhotoBytes:
		return nil, apperr.New(apperr.CodeTooLarge, "the image is larger than %d bytes", s.cfg.MaxPhotoBytes)
	case len(data) == 0:
		return nil, apperr.Fields{"body": "is empty"}.Err()
	}
	if ct := http.DetectContentType(data); !slices.Contains(allowed, ct) {
		return nil, apperr.New(apperr.CodeUnsupportedMedia, "the upload is %s; allowed: %v", ct, allowed)
	}
	return data, nil
}

// checkReuse flags a photo whose bytes were already uploaded for another job.
func (s *Service) checkReuse(ctx context.Context, ph *Photo) error {
	var other Photo
	err := s.photos.FindOne(ctx, bson.D{{Key: "sha256", Value: ph.SHA256}, {Key: "order_id", Value: bson.D{{Key: "$ne", Value: ph.OrderID}}}}, &other)
	switch {
	case err == nil:
		ph.Flags = append(ph.Flags, FlagPhotoReused)
		ph.ReusedFrom = other.OrderID
	case !errors.Is(err, mongox.ErrNotFound):
		return err
	}
	return nil
}

// store writes the chunks, then the metadata: a photo is visible only once whole.
func (s *Service) store(ctx context.Context, ph *Photo, data []byte) error {
	for n := 0; n*chunkSize < len(data); n++ {
		end := min((n+1)*chunkSize, len(data))
		if err := s.chunks.Insert(ctx, chunk{ID: fmt.Sprintf("%s-%04d", ph.ID, n), PhotoID: ph.ID, N: n, Data: data[n*chunkSize : end]}); err != nil {
			return err
		}
		ph.Chunks = n + 1
	}
	return s.photos.Insert(ctx, ph)
}

// photo returns photo id of order id, or a validation error on field.
func (s *Service) photo(ctx context.Context, field, orderID, id string) (Photo, error) {
	var ph Photo
	err := s.photos.FindByID(ctx, id, &ph)
	if errors.Is(err, mongox.ErrNotFound) || (err == nil && ph.OrderID != orderID) {
		return ph, apperr.Fields{field: "no such photo on this job"}.Err()
	}
	return ph, err
}

// signature returns the latest signature of order id, if any.
func (s *Service) signature(ctx context.Context, orderID string) (*Photo, error) {
	var ph Photo
	err := s.photos.FindOne(ctx, bson.D{{Key: "order_id", Value: orderID}, {Key: "slot", Value: SlotSignature}}, &ph,
		options.FindOne().SetSort(bson.D{{Key: "uploaded_at", Value: -1}}))
	if errors.Is(err, mongox.ErrNotFound) {
		return nil, nil
	}
	return &ph, err
}

// attachPhoto links a photo of the job to a visit event, carrying its reuse flag.
func (s *Service) attachPhoto(ctx context.Context, ev *VisitEvent, j *judgement, id string) error {
	if id == "" {
		return nil
	}
	ph, err := s.photo(ctx, "photo_id", ev.OrderID, id)
	if err != nil {
		return err
	}
	ev.PhotoID = ph.ID
	if slices.Contains(ph.Flags, FlagPhotoReused) {
		j.flag(FlagPhotoReused)
	}
	return nil
}

// Photos lists the photos of the caller's job id.
func (s *Service) Photos(ctx context.Context, p auth.Principal, id string) ([]Photo, error) {
	if _, err := s.job(ctx, p, id); err != nil {
		return nil, err
	}
	out := []Photo{}
	err := s.photos.Find(ctx, bson.D{{Key: "order_id", Value: id}}, &out, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	return out, err
}
