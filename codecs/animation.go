package codecs

import (
	"context"
	"fmt"
	"image"
	"io"
	"time"
)

// Animation is every frame of an animated image as it is displayed: each
// frame is the whole canvas after that frame was drawn (its disposal and
// blending applied), so that a frame can be resized or cropped on its own
// and written again without knowing how the source built it. This is how
// libvips, Pillow's seek-and-convert and browsers hand frames on.
type Animation struct {
	// Frames are the displayed frames, all of the same bounds, with
	// origin (0,0). Decoders return *image.NRGBA.
	Frames []image.Image
	// Delays[i] is how long Frames[i] is shown.
	Delays []time.Duration
	// Loops is how many times the animation plays: 0 forever, n ≥ 1
	// n times in all.
	Loops int
}

// Size is the canvas size of a's frames (the zero Point when it has none).
func (a *Animation) Size() image.Point {
	if len(a.Frames) == 0 {
		return image.Point{}
	}
	return a.Frames[0].Bounds().Size()
}

// check reports what makes a unfit to encode: no frames, a delay per
// frame missing, or frames of differing sizes.
func (a *Animation) check() error {
	if a == nil || len(a.Frames) == 0 {
		return fmt.Errorf("empty animation")
	}
	if len(a.Delays) != len(a.Frames) {
		return fmt.Errorf("%d frames with %d delays", len(a.Frames), len(a.Delays))
	}
	size := a.Size()
	for i, f := range a.Frames {
		if f == nil || f.Bounds().Size() != size || size.X <= 0 || size.Y <= 0 {
			return fmt.Errorf("frame %d: bounds %v, want a non-empty %v", i, f.Bounds(), size)
		}
	}
	return nil
}

// AnimationMemory estimates the bytes DecodeAll needs for an animation of
// frames frames on a w×h canvas: every displayed frame as NRGBA, and the
// canvas and previous canvas it composites on.
func AnimationMemory(w, h, frames int) int64 {
	return int64(w) * int64(h) * 4 * int64(frames+2)
}

// DecodeAll decodes every frame of an animated image (Codec.DecodeAll;
// a format without one, or a still image, gives one frame, Decode's
// image). The checks and errors are Decode's, and the limits apply to all
// frames together: more than lim.MaxFrames frames, or frames × canvas
// pixels over lim.MaxPixels, is refused from the container before any
// pixel is decoded, with a *LimitError ("max_frames" or "max_pixels")
// matching ErrTooLarge. lim.DecodeTimeout bounds the whole animation.
func DecodeAll(ctx context.Context, data []byte, lim Limits) (*Animation, Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, Info{}, fmt.Errorf("codecs: decode: %w", err)
	}
	lim = lim.WithDefaults()
	info, err := Probe(data, lim)
	if err != nil {
		return nil, info, err
	}
	c, _ := Lookup(info.Format)
	if c.DecodeAll == nil {
		img, info, err := Decode(ctx, data, lim)
		if err != nil {
			return nil, info, err
		}
		return &Animation{Frames: []image.Image{img}, Delays: []time.Duration{0}, Loops: 0}, info, nil
	}
	if err := checkFrames(info.Width, info.Height, info.Frames, lim); err != nil {
		return nil, info, fmt.Errorf("codecs: %s: %w", info.Format, err)
	}
	timeout := time.Duration(lim.DecodeTimeout) * time.Duration(max(1, c.TimeScale))
	dctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("%w: decoding took longer than decode_timeout %v", ErrTooLarge, timeout))
	defer cancel()
	var a *Animation
	err = safeRun(func() (err error) {
		a, err = c.DecodeAll(dctx, data, info, lim)
		return err
	})
	if err == nil {
		err = dctx.Err()
	}
	if err != nil {
		if ctx.Err() == nil && dctx.Err() != nil {
			err = context.Cause(dctx)
		}
		return nil, info, fmt.Errorf("codecs: decode %s: %w", info.Format, classifyCtx(ctx, err))
	}
	if err := a.check(); err != nil {
		return nil, info, fmt.Errorf("codecs: decode %s: %w: %v", info.Format, ErrCorrupt, err)
	}
	if a.Size() != (image.Point{X: info.Width, Y: info.Height}) {
		return nil, info, fmt.Errorf("codecs: decode %s: %w: frames %v, header %d×%d", info.Format, ErrCorrupt, a.Size(), info.Width, info.Height)
	}
	if len(a.Frames) > info.Frames {
		return nil, info, fmt.Errorf("codecs: decode %s: %w: %d frames decoded, %d counted", info.Format, ErrCorrupt, len(a.Frames), info.Frames)
	}
	return a, info, nil
}

// checkFrames applies lim to frames frames of w×h pixels together.
func checkFrames(w, h, frames int, lim Limits) error {
	if lim.MaxFrames > 0 && frames > lim.MaxFrames {
		return &LimitError{Limit: "max_frames", Value: int64(frames), Max: int64(lim.MaxFrames), Width: w, Height: h}
	}
	if lim.MaxPixels > 0 {
		px := int64(w) * int64(h)
		if px > lim.MaxPixels/int64(frames) {
			return &LimitError{Limit: "max_pixels", Value: px * int64(frames), Max: lim.MaxPixels, Width: w, Height: h}
		}
	}
	return nil
}

// classifyCtx is classify, except that an error caused by ctx matches
// ctx.Err() and not ErrCorrupt.
func classifyCtx(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w: %v", cerr, err)
	}
	return classify(err)
}

// CanEncodeAll reports whether f is registered with an encoder for
// animations.
func CanEncodeAll(f Format) bool {
	c, ok := Lookup(f)
	return ok && c.EncodeAll != nil
}

// EncodeAll writes a as an animation in format f (Codec.EncodeAll), with
// o as Encode takes it; a format without an animation encoder is
// ErrUnsupportedFormat. A one-frame animation is written as the format's
// animation all the same.
func EncodeAll(ctx context.Context, w io.Writer, a *Animation, f Format, o EncodeOptions) error {
	c, ok := Lookup(f)
	if !ok || c.EncodeAll == nil {
		return fmt.Errorf("codecs: encode animated %q: %w: no animation encoder", f, ErrUnsupportedFormat)
	}
	if err := a.check(); err != nil {
		return fmt.Errorf("codecs: encode animated %s: %v", f, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("codecs: encode animated %s: %w", f, err)
	}
	if err := c.EncodeAll(ctx, w, a, o); err != nil {
		return fmt.Errorf("codecs: encode animated %s: %w", f, err)
	}
	return nil
}
