package codecs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"math/bits"
	"time"
)

// Limits bound what Probe and Decode accept. A zero field takes its default
// (see DefaultLimits); a negative field means no limit.
type Limits struct {
	// MaxBytes bounds the encoded size. Default 25 MiB.
	MaxBytes int64 `json:"max_bytes,omitempty"`
	// MaxPixels bounds width × height. Default 50 000 000.
	MaxPixels int64 `json:"max_pixels,omitempty"`
	// MaxSide bounds the longer of width and height. Default 16384.
	MaxSide int `json:"max_side,omitempty"`
	// MaxScans bounds the scans of a JPEG: a progressive decoder makes a
	// pass over the whole image for each one. Default 100; encoders write
	// at most about 10.
	MaxScans int `json:"max_scans,omitempty"`
	// MaxFrames bounds the frames of an animation decoded whole
	// (DecodeAll; a still variant reads the first frame only), whose
	// frames × width × height must also stay within MaxPixels. Default
	// 1000.
	MaxFrames int `json:"max_frames,omitempty"`
	// DecodeTimeout bounds the time Decode spends reading the input; the
	// caller's context may bound it further. Default 10 s, as imgproxy's;
	// a codec may scale it (Codec.TimeScale: HEIF and AVIF, decoded in
	// WebAssembly, get 4 times as long).
	DecodeTimeout Duration `json:"decode_timeout,omitzero"`
}

// Default limits: what a phone or a full-frame camera produces passes with
// room to spare, while a decompression bomb is refused from its header.
const (
	DefaultMaxBytes  = 25 << 20
	DefaultMaxPixels = 50_000_000
	DefaultMaxSide   = 16384
	DefaultMaxScans  = 100
	DefaultMaxFrames = 1000
	// DefaultDecodeTimeout is Limits.DecodeTimeout's default.
	DefaultDecodeTimeout = 10 * time.Second
)

// DefaultLimits returns the limits used for zero fields.
func DefaultLimits() Limits {
	return Limits{MaxBytes: DefaultMaxBytes, MaxPixels: DefaultMaxPixels, MaxSide: DefaultMaxSide,
		MaxScans: DefaultMaxScans, MaxFrames: DefaultMaxFrames, DecodeTimeout: Duration(DefaultDecodeTimeout)}
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes == 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxPixels == 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxSide == 0 {
		l.MaxSide = d.MaxSide
	}
	if l.MaxScans == 0 {
		l.MaxScans = d.MaxScans
	}
	if l.MaxFrames == 0 {
		l.MaxFrames = d.MaxFrames
	}
	if l.DecodeTimeout == 0 {
		l.DecodeTimeout = d.DecodeTimeout
	}
	return l
}

// Info is what an image's header says about it.
type Info struct {
	Format Format
	// Width and Height are as stored, before any EXIF orientation.
	Width, Height int
	// ColorModel is the header's colour model (from DecodeConfig). For a
	// paletted image it is a color.Palette, a slice: Info values are then
	// not comparable with ==, compare the other fields.
	ColorModel any
	// Progressive reports a progressive JPEG, whose decoder keeps every
	// coefficient of the whole image in memory.
	Progressive bool
	// Oriented reports an image whose container's own transforms have
	// been applied by the decoder (Codec.Oriented: HEIF and AVIF): Width
	// and Height are as displayed, and an EXIF orientation in the file
	// must not be applied on top.
	Oriented bool
	// Memory is the codec's own estimate of what its decoder needs
	// (Codec.Memory), or 0 where DecodeMemory estimates by colour model.
	Memory int64
	// Frames is the number of frames in an animation (Codec.Frames), 1
	// for a still image.
	Frames int
}

// DecodeMemory estimates the bytes the format's decoder allocates to
// decode the image: what a memory budget should charge before calling
// Decode. The figures per pixel were measured with Go 1.26 on 12 MP files
// (JPEG 4:4:4 progressive 15 B, baseline at most 3 B, CMYK 8 B; 16-bit PNG
// 8 B, 8-bit RGBA 4.4 B; GIF 2 B on its canvas) and round up.
func (i Info) DecodeMemory() int64 {
	if i.Memory > 0 {
		return i.Memory
	}
	px := int64(i.Width) * int64(i.Height)
	var perPixel int64
	switch i.ColorModel {
	case color.GrayModel:
		perPixel = 1
	case color.Gray16Model:
		perPixel = 2
	case color.CMYKModel:
		perPixel = 8
	case color.RGBA64Model, color.NRGBA64Model:
		perPixel = 8
	default:
		perPixel = 5 // RGBA, NRGBA, YCbCr, NYCbCrA; palettes with their canvas
	}
	if i.Progressive {
		// The coefficients: one int16 per pixel and component (for 4:4:4,
		// the worst case), plus the decoder's working buffers.
		perPixel += 2*i.components() + 6
	}
	return px * perPixel
}

// components is the number of colour components of a JPEG with i's colour
// model.
func (i Info) components() int64 {
	switch i.ColorModel {
	case color.GrayModel:
		return 1
	case color.CMYKModel:
		return 4
	}
	return 3
}

// DecodeMemoryScaled is DecodeMemory for a decode at 1/denom of the size
// in each direction (DecodeReduced, denom from ReduceScale): the sample
// planes shrink with the square of denom, while a progressive JPEG's
// coefficients are still kept for every 8×8 block of the whole image, but
// only the prefix the reduced inverse DCT reads (codecs/jpeg: 58, 18 and 10
// bytes per block and component at 1/2, 1/4 and 1/8, instead of 128).
func (i Info) DecodeMemoryScaled(denom int) int64 {
	if denom <= 1 || i.Memory > 0 {
		return i.DecodeMemory()
	}
	planes := Info{Format: i.Format, Width: (i.Width + denom - 1) / denom, Height: (i.Height + denom - 1) / denom, ColorModel: i.ColorModel}
	cost := planes.DecodeMemory()
	if i.Progressive {
		var perBlock int64
		switch denom {
		case 2:
			perBlock = 58
		case 4:
			perBlock = 18
		default:
			perBlock = 10
		}
		blocks := int64((i.Width+7)/8) * int64((i.Height+7)/8)
		px := int64(planes.Width) * int64(planes.Height)
		cost += i.components()*blocks*perBlock + 6*px
	}
	return cost
}

// ReduceScale returns the denominator at which DecodeReduced decodes an
// image that Probe described as i, for a caller needing min pixels: the
// Scale for min when the format's codec decodes at reduced scales and min
// is not the zero Point, else 1.
func ReduceScale(i Info, min image.Point) int {
	c, ok := Lookup(i.Format)
	if !ok || c.DecodeScaled == nil || min == (image.Point{}) {
		return 1
	}
	return Scale(i.Width, i.Height, min)
}

// Probe identifies data with Sniff, reads its header with the format's own
// DecodeConfig and checks it against lim (zero fields take defaults). It
// allocates no pixels. Errors match ErrNotImage, ErrUnsupportedFormat,
// ErrTooLarge or ErrCorrupt.
//
// The checks run in this order: the size of data against MaxBytes (before
// anything is parsed), Sniff, DecodeConfig (a failure or a panic in it is
// ErrCorrupt, unless the codec classified it as ErrUnsupportedFormat, e.g.
// a HEIF whose primary image is coded with neither HEVC nor AV1), zero
// width or height (ErrCorrupt), the longer side against MaxSide and
// width × height against MaxPixels. A limit error is a *LimitError that
// also carries the header's dimensions. A JPEG whose marker structure
// declares more than MaxScans scans is refused as ErrCorrupt, as each
// progressive scan costs a pass over the whole image. For an animation,
// the dimensions are its canvas's, and Info.Frames counts its frames
// (Codec.Frames) without decoding any.
//
// On error, Info holds what was learned before the failure: the format once
// sniffed, the dimensions once the header was read.
func Probe(data []byte, lim Limits) (Info, error) {
	lim = lim.WithDefaults()
	if lim.MaxBytes > 0 && int64(len(data)) > lim.MaxBytes {
		return Info{}, fmt.Errorf("codecs: %w",
			&LimitError{Limit: "max_bytes", Value: int64(len(data)), Max: lim.MaxBytes})
	}
	f, err := Sniff(data)
	if err != nil {
		return Info{}, err
	}
	info := Info{Format: f}
	c, ok := Lookup(f)
	if !ok || c.DecodeConfig == nil {
		return info, fmt.Errorf("codecs: %w: %s is not registered for decoding", ErrUnsupportedFormat, f)
	}
	cfg, err := safeConfig(c.DecodeConfig, bytes.NewReader(data))
	if err != nil {
		return info, fmt.Errorf("codecs: %s header: %w", f, classify(err))
	}
	info.Width, info.Height, info.ColorModel, info.Oriented = cfg.Width, cfg.Height, cfg.ColorModel, c.Oriented
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return info, fmt.Errorf("codecs: %s header: %w: size %d×%d", f, ErrCorrupt, cfg.Width, cfg.Height)
	}
	if err := checkLimits(cfg.Width, cfg.Height, lim); err != nil {
		return info, fmt.Errorf("codecs: %s: %w", f, err)
	}
	if c.Memory != nil {
		info.Memory = c.Memory(data, cfg)
	}
	info.Frames = 1
	if c.Frames != nil {
		info.Frames = max(1, c.Frames(data))
	}
	if f == JPEG {
		limit := lim.MaxScans
		if limit < 0 {
			limit = math.MaxInt - 1
		}
		n, progressive := jpegScans(data, limit+1)
		info.Progressive = progressive
		if n > limit {
			return info, fmt.Errorf("codecs: %s: %w: more than max_scans %d scans", f, ErrCorrupt, limit)
		}
	}
	return info, nil
}

// Decode probes data (see Probe) and then decodes it with the format's own
// decoder (never image.Decode). The decoder reads through a reader that
// fails once ctx is done, so a deadline on ctx bounds decode time; a panic in
// the decoder is returned as ErrCorrupt. For GIF the first frame is decoded
// and placed on a canvas of the logical screen size.
//
// A done ctx is reported before anything else; an error caused by ctx
// matches ctx.Err() (context.Canceled or context.DeadlineExceeded) and not
// ErrCorrupt. Reading for longer than lim.DecodeTimeout is ErrTooLarge. Any other decoder error matches ErrCorrupt and wraps the
// decoder's own error. A decoded image whose bounds are not exactly
// (0,0)-(Info.Width,Info.Height) is ErrCorrupt too. The returned Info is
// Probe's, also on error.
//
// Decode bounds memory through the header limits: a decoder allocates the
// image its header declares, which Probe has checked. The context is checked
// on every read, so it bounds time spent reading input, not CPU work a
// decoder does after its last read.
func Decode(ctx context.Context, data []byte, lim Limits) (image.Image, Info, error) {
	return DecodeReduced(ctx, data, lim, image.Point{})
}

// ScaledSize returns the size of a w×h image decoded at 1/denom: each side
// divided by denom, rounded up.
func ScaledSize(w, h, denom int) (int, int) {
	return (w + denom - 1) / denom, (h + denom - 1) / denom
}

// Scale returns the largest denom among 1, 2, 4 and 8 at which a w×h image
// is still at least min in both sides (min as stored, before orientation).
func Scale(w, h int, min image.Point) int {
	for _, d := range []int{8, 4, 2} {
		if sw, sh := ScaledSize(w, h, d); sw >= min.X && sh >= min.Y {
			return d
		}
	}
	return 1
}

// DecodeReduced is Decode for a caller that needs only min pixels (as
// stored, before orientation; the zero Point means the full size): when the
// format's codec can decode at a reduced scale (Codec.DecodeScaled), the
// image is decoded at the smallest scale, 1/2, 1/4 or 1/8, whose size is
// still at least min in both sides, to bounds ScaledSize(Info.Width,
// Info.Height, Scale(...)). The checks, limits and errors are Decode's; Info
// describes the full image.
func DecodeReduced(ctx context.Context, data []byte, lim Limits, min image.Point) (image.Image, Info, error) {
	info, c, err := admit(ctx, data, lim)
	if err != nil {
		return nil, info, err
	}
	decode := c.Decode
	denom := ReduceScale(info, min)
	if denom > 1 {
		decode = func(r io.Reader) (image.Image, error) { return c.DecodeScaled(r, denom) }
	}
	var img image.Image
	err = run(ctx, data, lim, info, c, func(ctx context.Context, r io.Reader) (err error) {
		if c.DecodeContext != nil {
			img, err = c.DecodeContext(ctx, data, info)
		} else {
			img, err = decode(r)
		}
		return err
	})
	if err != nil {
		return nil, info, err
	}
	f := info.Format
	if img == nil {
		return nil, info, fmt.Errorf("codecs: decode %s: %w: decoder returned no image", f, ErrCorrupt)
	}
	sw, sh := ScaledSize(info.Width, info.Height, denom)
	if b, want := img.Bounds(), image.Rect(0, 0, sw, sh); b != want {
		return nil, info, fmt.Errorf("codecs: decode %s: %w: decoded bounds %v differ from the header's %d×%d at 1/%d",
			f, ErrCorrupt, b, info.Width, info.Height, denom)
	}
	return img, info, nil
}

// admit is the start of every decode: a done ctx first, then Probe, then
// the codec that decodes the format.
func admit(ctx context.Context, data []byte, lim Limits) (Info, Codec, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, Codec{}, fmt.Errorf("codecs: decode: %w", err)
	}
	info, err := Probe(data, lim)
	if err != nil {
		return info, Codec{}, err
	}
	c, ok := Lookup(info.Format)
	if !ok || (c.Decode == nil && c.DecodeContext == nil) {
		return info, c, fmt.Errorf("codecs: decode %s: %w: not registered for decoding", info.Format, ErrUnsupportedFormat)
	}
	return info, c, nil
}

// run runs decode, codec c's decode of data, under Decode's rules: it
// gets a context that ends at the decode timeout (scaled by
// Codec.TimeScale) and a reader of data that fails once that context is
// done; a panic is ErrCorrupt; an error caused by the caller's ctx matches
// it, one caused by the timeout is ErrTooLarge, and any other is
// classified (ErrCorrupt unless it matches one of the package's errors).
func run(ctx context.Context, data []byte, lim Limits, info Info, c Codec, decode func(ctx context.Context, r io.Reader) error) error {
	f := info.Format
	caller := ctx
	timeout := time.Duration(lim.WithDefaults().DecodeTimeout)
	if c.TimeScale > 1 {
		timeout *= time.Duration(c.TimeScale)
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	r := &ctxReader{ctx: ctx, done: ctx.Done(), data: data}
	err := safeRun(func() error { return decode(ctx, r) })
	if r.err != nil || (err != nil && ctx.Err() != nil) {
		if caller.Err() == nil {
			return fmt.Errorf("codecs: decode %s: %w: decoding took longer than decode_timeout %v", f, ErrTooLarge, timeout)
		}
		return fmt.Errorf("codecs: decode %s: %w", f, caller.Err())
	}
	if err != nil {
		return fmt.Errorf("codecs: decode %s: %w", f, classify(err))
	}
	return nil
}

// jpegScans counts the SOS markers of a JPEG, stopping at limit, and
// reports whether its frame is progressive (SOF2, SOF6, SOF10, SOF14). It walks
// the marker segments, skipping their payloads (so an embedded thumbnail or
// an ICC profile does not count), and tolerates what Go's decoder tolerates
// between segments: stray bytes, fill bytes, stuffed bytes and restart
// markers in entropy-coded data.
func jpegScans(data []byte, limit int) (n int, progressive bool) {
	for i := 2; i+1 < len(data) && n < limit; {
		if data[i] != 0xFF {
			j := bytes.IndexByte(data[i:], 0xFF)
			if j < 0 {
				break
			}
			i += j
			continue
		}
		m := data[i+1]
		switch {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD7): // stuffing, TEM, RSTn
			i += 2
			continue
		case m == 0xD9: // EOI
			return n, progressive
		case m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE:
			progressive = true
		case m == 0xDA:
			n++
		}
		if i+3 >= len(data) {
			break
		}
		seg := int(data[i+2])<<8 | int(data[i+3])
		if seg < 2 {
			seg = 2
		}
		i += 2 + seg
	}
	return n, progressive
}

// checkLimits checks a header's dimensions against lim, whose fields are
// positive (a limit) or negative (none).
func checkLimits(w, h int, lim Limits) error {
	if lim.MaxSide > 0 {
		if side := max(w, h); side > lim.MaxSide {
			return &LimitError{Limit: "max_side", Value: int64(side), Max: int64(lim.MaxSide), Width: w, Height: h}
		}
	}
	if lim.MaxPixels > 0 {
		px := int64(math.MaxInt64)
		if hi, lo := bits.Mul64(uint64(w), uint64(h)); hi == 0 && lo <= math.MaxInt64 {
			px = int64(lo)
		}
		if px > lim.MaxPixels {
			return &LimitError{Limit: "max_pixels", Value: px, Max: lim.MaxPixels, Width: w, Height: h}
		}
	}
	return nil
}

// classify returns err unchanged when it already matches one of the
// package's errors, and otherwise wraps it as ErrCorrupt.
func classify(err error) error {
	for _, e := range []error{ErrCorrupt, ErrUnsupportedFormat, ErrTooLarge, ErrNotImage, ErrNoStrips} {
		if errors.Is(err, e) {
			return err
		}
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// errPanic reports a recovered panic.
type errPanic struct{ v any }

func (e errPanic) Error() string        { return fmt.Sprintf("%v: decoder panicked: %v", ErrCorrupt, e.v) }
func (e errPanic) Is(target error) bool { return target == ErrCorrupt }

func safeConfig(fn func(io.Reader) (image.Config, error), r io.Reader) (cfg image.Config, err error) {
	defer func() {
		if v := recover(); v != nil {
			cfg, err = image.Config{}, errPanic{v}
		}
	}()
	return fn(r)
}

// safeRun calls fn, turning a panic into ErrCorrupt.
func safeRun(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = errPanic{v}
		}
	}()
	return fn()
}

// maxRead caps each read of ctxReader, so that a decoder which fills a
// large buffer at once still comes back for input, and sees the context,
// regularly.
const maxRead = 512

// ctxReader reads data until ctx is done. It deliberately implements
// neither io.ByteReader nor io.WriterTo, so every decoder reaches the data
// through Read.
type ctxReader struct {
	ctx  context.Context
	done <-chan struct{}
	data []byte
	off  int
	err  error // ctx.Err(), once Read has returned it
}

// Len is the number of bytes left to read. A decoder may use it to refuse,
// before allocating, an image that its header declares larger than what
// the rest of the input can hold (codecs/png does).
func (r *ctxReader) Len() int { return len(r.data) - r.off }

func (r *ctxReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	select {
	case <-r.done:
		r.err = r.ctx.Err()
		return 0, r.err
	default:
	}
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	if len(p) > maxRead {
		p = p[:maxRead]
	}
	n := copy(p, r.data[r.off:])
	r.off += n
	return n, nil
}
