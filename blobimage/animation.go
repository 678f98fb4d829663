package blobimage

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"sync"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// Animated variants. A spec with Animated keeps every frame of an animated
// original: the frames are decoded once per write (codecs.DecodeAll: each
// as displayed, so each can be processed on its own), every frame goes
// through the spec's processors as a still would, and the results are
// encoded as one animation with the source's timing and loop count. The
// frame and pixel limits apply to all frames together (DecodeAll checks
// them before decoding), and the write holds the frames' memory in the
// budget while it works. Any other spec, and every spec of a still
// original, is rendered from the first frame as before.

// frameSource decodes the frames of one upload, once, for the animated
// variants of one write or regen, and holds their memory until close.
type frameSource struct {
	s    *Store
	key  string
	data []byte
	d    *decoded

	once sync.Once
	anim *codecs.Animation
	err  error

	mu   sync.Mutex
	held int64
}

func newFrameSource(s *Store, key string, data []byte, d *decoded) *frameSource {
	return &frameSource{s: s, key: key, data: data, d: d}
}

// frames decodes every frame on first use.
func (fs *frameSource) frames(ctx context.Context) (*codecs.Animation, error) {
	fs.once.Do(func() {
		info := fs.d.info
		if err := fs.take(ctx, codecs.AnimationMemory(info.Width, info.Height, info.Frames)); err != nil {
			fs.err = err
			return
		}
		fs.anim, _, fs.err = codecs.DecodeAll(ctx, fs.data, fs.s.cfg.Limits)
	})
	return fs.anim, fs.err
}

// take charges n more bytes to the budget, released by close.
func (fs *frameSource) take(ctx context.Context, n int64) error {
	if err := fs.s.acquire(ctx, n); err != nil {
		return err
	}
	fs.mu.Lock()
	fs.held += n
	fs.mu.Unlock()
	return nil
}

// drop lets go of the frames, once every animated variant is made, and
// gives back the memory they held. No frames may be asked for after it.
func (fs *frameSource) drop() {
	fs.anim = nil
	fs.close()
}

// close gives back the memory the frames held.
func (fs *frameSource) close() {
	fs.mu.Lock()
	n := fs.held
	fs.held = 0
	fs.mu.Unlock()
	if n > 0 {
		fs.s.release(n)
	}
}

// render makes spec's animation and encodes it in each of formats, in
// their order; size is the frames' size.
func (fs *frameSource) render(ctx context.Context, spec variants.Spec, formats []codecs.Format) (size image.Point, encs [][]byte, err error) {
	src, err := fs.frames(ctx)
	if err != nil {
		return image.Point{}, nil, err
	}
	// A smart crop would look for the detail in each frame on its own,
	// and the window would jump about: the frames share the centre's.
	spec = steady(spec)
	out := &codecs.Animation{Delays: src.Delays, Loops: src.Loops, Frames: make([]image.Image, 0, len(src.Frames))}
	for i, frame := range src.Frames {
		err := variants.RenderStored(ctx, frame, fs.d.orientation, fs.d.full, []variants.Spec{spec}, 1, func(_ int, img image.Image) error {
			if i == 0 {
				// The processed frames are held too, until encoded.
				b := img.Bounds()
				if err := fs.take(ctx, codecs.AnimationMemory(b.Dx(), b.Dy(), len(src.Frames))); err != nil {
					return err
				}
			}
			out.Frames = append(out.Frames, img)
			return nil
		})
		if err != nil {
			return image.Point{}, nil, fmt.Errorf("frame %d: %w", i, err)
		}
	}
	size = out.Size()
	for _, f := range formats {
		var buf bytes.Buffer
		if err := codecs.EncodeAll(ctx, &buf, out, f, spec.EncodeOptions()); err != nil {
			return image.Point{}, nil, fmt.Errorf("encode %s as animated %s: %w", spec.Name, f, err)
		}
		encs = append(encs, buf.Bytes())
	}
	return size, encs, nil
}

// steady returns spec with a smart anchor replaced by the centre, so that
// every frame is cropped alike.
func steady(spec variants.Spec) variants.Spec {
	ps := make([]variants.Processor, len(spec.Processors))
	for i, p := range spec.Processors {
		if f, ok := p.(variants.Fill); ok && f.Anchor == variants.Smart {
			f.Anchor = variants.Center
			p = f
		}
		ps[i] = p
	}
	spec.Processors = ps
	return spec
}

// encodeVariant encodes one variant's rendering img in each of formats,
// or, when spec animates the original, its animation from frames: the
// encodings in the order of formats and the size they show.
func (s *Store) encodeVariant(ctx context.Context, frames *frameSource, img image.Image, formats []codecs.Format, spec variants.Spec, icc []byte) (image.Point, [][]byte, error) {
	if spec.Animates(frames.d.info.Frames) {
		return frames.render(ctx, spec, formats)
	}
	encs, err := s.encodeAll(ctx, img, formats, spec, icc)
	return img.Bounds().Size(), encs, err
}
