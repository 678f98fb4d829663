package codecs

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
)

// ErrNoStrips is returned by DecodeStrips, before its emit is called, for
// an image that cannot be delivered in strips: its format's codec has no
// DecodeStrips, the picture is smaller than the codec's StripsMinPixels,
// or this file's structure needs the whole picture at once (a progressive
// JPEG, one scan per component). The caller decodes it
// whole (DecodeReduced) instead.
var ErrNoStrips = errors.New("codecs: the image cannot be decoded in strips")

// DecodesInStrips reports whether DecodeStrips may deliver the picture
// info describes in strips: its codec has a DecodeStrips, and the picture
// has at least the codec's StripsMinPixels (a given file can still be
// ErrNoStrips: a progressive JPEG, one scan per component).
func DecodesInStrips(info Info) bool {
	c, ok := Lookup(info.Format)
	return ok && c.DecodeStrips != nil && int64(info.Width)*int64(info.Height) >= int64(c.StripsMinPixels)
}

// DecodeMemoryStrips is a bound on what a decode in strips (DecodeStrips)
// of i allocates, at any scale: the planes of one MCU row (16 rows of the
// stored picture for 4:2:0) and the decoder's state, within 48 bytes per
// column of the stored picture and component, plus 64 KiB. A 2400-pixel
// wide 4:2:0 JPEG takes 45 bytes per column at full size, 20 at 1/8.
func (i Info) DecodeMemoryStrips() int64 {
	return int64(i.Width)*48*i.components() + 64<<10
}

// DecodeStrips is DecodeReduced for a caller that takes the picture in
// horizontal strips, top to bottom, so that it is never held whole: a
// resampler making a variant from the rows as they come. The picture is
// the one DecodeReduced(ctx, data, lim, min) returns, to the bit; each
// strip is an *image.YCbCr or *image.Gray of the same width, whose bounds
// start on the row where the previous strip's ended, the first at row 0
// and the last ending at the picture's height. emit must not keep a strip
// after it returns (its pixels are reused), and an error it returns stops
// the decode and is returned as it is.
//
// The checks, limits and errors are DecodeReduced's: a strip out of place
// or a picture ending short is ErrCorrupt. An image the codec cannot
// deliver in strips (see ErrNoStrips) is refused before emit is called.
func DecodeStrips(ctx context.Context, data []byte, lim Limits, min image.Point, emit func(strip image.Image) error) (Info, error) {
	info, c, err := admit(ctx, data, lim)
	if err != nil {
		return info, err
	}
	f := info.Format
	if !DecodesInStrips(info) {
		return info, fmt.Errorf("codecs: decode %s: %w", f, ErrNoStrips)
	}
	denom := ReduceScale(info, min)
	sw, sh := ScaledSize(info.Width, info.Height, denom)
	rows := 0
	var emitErr error
	check := func(strip image.Image) error {
		b := strip.Bounds()
		switch strip.(type) {
		case *image.YCbCr, *image.Gray:
		default:
			return fmt.Errorf("%w: a strip is a %T", ErrCorrupt, strip)
		}
		if b.Min.X != 0 || b.Max.X != sw || b.Min.Y != rows || b.Max.Y <= rows || b.Max.Y > sh {
			return fmt.Errorf("%w: strip %v after %d of %d×%d rows at 1/%d", ErrCorrupt, b, rows, sw, sh, denom)
		}
		rows = b.Max.Y
		if err := emit(strip); err != nil {
			emitErr = err
			return err
		}
		return nil
	}
	err = run(ctx, data, lim, info, c, func(_ context.Context, r io.Reader) error {
		return c.DecodeStrips(r, denom, check)
	})
	switch {
	case emitErr != nil:
		return info, emitErr
	case errors.Is(err, ErrNoStrips):
		if rows > 0 {
			return info, fmt.Errorf("codecs: decode %s: %w: the codec gave up on strips after %d rows", f, ErrCorrupt, rows)
		}
		return info, err
	case err != nil:
		return info, err
	case rows != sh:
		return info, fmt.Errorf("codecs: decode %s: %w: %d of %d rows decoded", f, ErrCorrupt, rows, sh)
	}
	return info, nil
}
