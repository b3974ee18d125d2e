package parts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aftersales/aftersales/internal/apperr"
)

// ShortageError is a stock change refused because a figure would go negative.
type ShortageError struct {
	Location string
	PartNo   string
	Figure   string // on_hand or reserved
	Need     int64
	Have     int64
}

func (e *ShortageError) Error() string {
	return fmt.Sprintf("not enough %s at %s: need %d %s, have %d", e.PartNo, e.Location, e.Need, e.Figure, e.Have)
}

// SerialError is a serial move refused because the serial is not where, or not in the
// state, the move expects (or, for goods in, already exists).
type SerialError struct {
	PartNo string
	Serial string
	Want   *serialPos // nil: the move creates it
	Exists bool
	At     serialPos
}

func (e *SerialError) Error() string {
	switch {
	case e.Want == nil:
		return fmt.Sprintf("serial %s of %s already exists", e.Serial, e.PartNo)
	case !e.Exists:
		return fmt.Sprintf("serial %s of %s is unknown", e.Serial, e.PartNo)
	default:
		return fmt.Sprintf("serial %s of %s is not %s at %s", e.Serial, e.PartNo, e.Want.State, e.Want.Location)
	}
}

// detail is what a client is told: where the serial is stays unsaid, since it may be
// another technician's van.
func (e *SerialError) detail() string {
	switch {
	case e.Want == nil:
		return "serial " + e.Serial + " is already registered"
	case strings.HasPrefix(e.Want.Location, KindVan+":"):
		return "serial " + e.Serial + " was not issued to this van"
	default:
		return fmt.Sprintf("serial %s is not %s at %s", e.Serial, strings.ReplaceAll(e.Want.State, "_", " "), e.Want.Location)
	}
}

// refused reports whether err is a stock refusal, read back from the documents: the
// change certainly did not land.
func refused(err error) bool {
	var short *ShortageError
	var ser *SerialError
	return errors.As(err, &short) || errors.As(err, &ser)
}

// atField turns a stock refusal into a 409 naming the request field it concerns; other
// errors pass through.
func atField(field string, err error) error {
	var short *ShortageError
	var ser *SerialError
	switch {
	case errors.As(err, &short):
		return conflict("not enough stock", field, fmt.Sprintf("only %d %s at %s", short.Have, strings.ReplaceAll(short.Figure, "_", " "), short.Location))
	case errors.As(err, &ser):
		return conflict("serial not available", field, ser.detail())
	}
	return err
}

func conflict(msg, field, detail string) error {
	return &apperr.Error{Code: apperr.CodeConflict, Message: msg, Details: map[string]string{field: detail}}
}

func invalid(field, detail string) error {
	return apperr.Fields{field: detail}.Err()
}

func kindOf(location string) string {
	k, _, _ := strings.Cut(location, ":")
	return k
}

func idOf(location string) string {
	_, id, _ := strings.Cut(location, ":")
	return id
}
