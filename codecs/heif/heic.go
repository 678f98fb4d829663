package heif

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"runtime"
	"sync"

	"github.com/blobimage/blobimage/codecs/internal/wasm"
)

// decodeHEIC decodes the primary HEVC image of f (checked as m) with
// libheif in WebAssembly, within limit bytes, and returns it in Go's
// terms: *image.YCbCr holding full-range BT.601 samples, *image.Gray, or
// with alpha *image.NRGBA (*image.RGBA when the file says the colour is
// premultiplied).
//
// libheif decodes one coded image at a time: the primary, or each tile
// of a grid, each handed to it as a file of its own holding only that
// image, without transforms. The tiles are put together, the samples
// brought to full-range BT.601 and the transforms applied here. This
// keeps the decoder's memory to one tile's worth (libheif 1.18 would
// convert a whole grid to RGB and back), keeps the coded chroma
// subsampling, and decodes monochrome grids, which libheif 1.18 cannot.
func decodeHEIC(ctx context.Context, f *File, m *Image, limit int64) (image.Image, int64, error) {
	var (
		img, alpha image.Image
		am         *Image
		peak       int64
	)
	if m.Grid && gridWorkers(m) > 1 {
		// The tiles of a grid are independent: decode them on every core,
		// each worker with an instance of its own.
		var err error
		if img, peak, err = decodeGrid(ctx, f, m, limit); err != nil {
			return nil, 0, err
		}
	}
	err := libheif.Run(ctx, limit, func(in *wasm.Instance) error {
		var err error
		if img == nil {
			if img, err = decodeCoded(in, limit, f, m); err != nil {
				return err
			}
		}
		if m.Alpha != 0 {
			if am, err = f.imageOf(m.Alpha); err != nil {
				return fmt.Errorf("alpha plane: %w", err)
			}
			if am.Coding != "hvc1" {
				return errUnsupported("alpha plane coded as %s", am.Coding)
			}
			if alpha, err = decodeCoded(in, limit, f, am); err != nil {
				return fmt.Errorf("alpha plane: %w", err)
			}
		}
		peak = max(peak, in.Peak())
		return nil
	})
	if err != nil {
		return nil, 0, wasmError(err)
	}
	if v, ok := img.(*image.YCbCr); ok {
		id := m.ID
		if m.Grid {
			id = m.Tiles[0]
		}
		normalise(v, f.colourOf(id))
	}
	img = transform(img, m.Transforms)
	if m.Alpha == 0 {
		return img, peak, nil
	}
	var a *image.Gray
	switch v := transform(alpha, am.Transforms).(type) {
	case *image.Gray:
		a = v
	case *image.YCbCr:
		a = &image.Gray{Pix: v.Y, Stride: v.YStride, Rect: v.Rect}
	}
	if a == nil {
		return nil, 0, errUnsupported("alpha plane decoded as %T", alpha)
	}
	if a.Rect.Dx() != m.Width || a.Rect.Dy() != m.Height {
		a = scaleNearest(a, m.Width, m.Height)
	}
	return withAlpha(img, a, m.Premultiplied), peak, nil
}

// decodeCoded decodes the coded image m (a single HEVC image or a grid of
// them) at its declared size, samples as coded, without transforms:
// *image.YCbCr or *image.Gray.
func decodeCoded(in *wasm.Instance, limit int64, f *File, m *Image) (image.Image, error) {
	full := f.colourOf(m.ID).full
	if !m.Grid {
		return decodeTile(in, limit, f, m.ID, int(m.Declared.Width), int(m.Declared.Height), m.ChromaFormat, m.BitDepth, full)
	}
	full = f.colourOf(m.Tiles[0]).full
	w, h := int(m.Declared.Width), int(m.Declared.Height)
	var canvas image.Image
	for i, t := range m.Tiles {
		tile, err := decodeTile(in, limit, f, t, m.TileWidth, m.TileHeight, m.ChromaFormat, m.BitDepth, full)
		if err != nil {
			return nil, fmt.Errorf("tile %d: %w", t, err)
		}
		x0, y0 := (i%m.Cols)*m.TileWidth, (i/m.Cols)*m.TileHeight
		switch v := tile.(type) {
		case *image.YCbCr:
			c, ok := canvas.(*image.YCbCr)
			if canvas == nil {
				c, ok = image.NewYCbCr(image.Rect(0, 0, w, h), v.SubsampleRatio), true
				canvas = c
			}
			if !ok || c.SubsampleRatio != v.SubsampleRatio {
				return nil, errCorrupt("tiles of different formats")
			}
			pasteYCbCr(c, v, x0, y0)
		case *image.Gray:
			c, ok := canvas.(*image.Gray)
			if canvas == nil {
				c, ok = image.NewGray(image.Rect(0, 0, w, h)), true
				canvas = c
			}
			if !ok {
				return nil, errCorrupt("tiles of different formats")
			}
			pastePlane(c.Pix, c.Stride, w, h, v.Pix, v.Stride, v.Rect.Dx(), v.Rect.Dy(), x0, y0)
		}
	}
	return canvas, nil
}

// gridWorkers is how many instances decode m's tiles at once: one per
// core, at most one per tile.
func gridWorkers(m *Image) int {
	return max(1, min(runtime.GOMAXPROCS(0), len(m.Tiles)))
}

// decodeGrid decodes the grid m with gridWorkers instances at once, each
// within its share of limit, and returns the tiles put together (as
// decodeCoded does) and the largest instance's peak memory.
func decodeGrid(ctx context.Context, f *File, m *Image, limit int64) (image.Image, int64, error) {
	workers := gridWorkers(m)
	share := limit / int64(workers)
	full := f.colourOf(m.Tiles[0]).full
	w, h := int(m.Declared.Width), int(m.Declared.Height)
	tiles := make(chan int, len(m.Tiles))
	for i := range m.Tiles {
		tiles <- i
	}
	close(tiles)
	var (
		mu     sync.Mutex
		canvas image.Image
		peak   int64
	)
	// paste puts tile i in place, making the canvas from the first tile
	// to arrive. Tiles cover disjoint parts of the canvas, so pastes run
	// concurrently once it exists.
	paste := func(i int, tile image.Image) error {
		mu.Lock()
		if canvas == nil {
			switch v := tile.(type) {
			case *image.YCbCr:
				canvas = image.NewYCbCr(image.Rect(0, 0, w, h), v.SubsampleRatio)
			case *image.Gray:
				canvas = image.NewGray(image.Rect(0, 0, w, h))
			}
		}
		c := canvas
		mu.Unlock()
		x0, y0 := (i%m.Cols)*m.TileWidth, (i/m.Cols)*m.TileHeight
		switch v := tile.(type) {
		case *image.YCbCr:
			cy, ok := c.(*image.YCbCr)
			if !ok || cy.SubsampleRatio != v.SubsampleRatio {
				return errCorrupt("tiles of different formats")
			}
			pasteYCbCr(cy, v, x0, y0)
		case *image.Gray:
			cg, ok := c.(*image.Gray)
			if !ok {
				return errCorrupt("tiles of different formats")
			}
			pastePlane(cg.Pix, cg.Stride, w, h, v.Pix, v.Stride, v.Rect.Dx(), v.Rect.Dy(), x0, y0)
		default:
			return errCorrupt("tile decoded as %T", tile)
		}
		return nil
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for k := range workers {
		wg.Go(func() {
			errs[k] = libheif.Run(ctx, share, func(in *wasm.Instance) error {
				for i := range tiles {
					t := m.Tiles[i]
					tile, err := decodeTile(in, share, f, t, m.TileWidth, m.TileHeight, m.ChromaFormat, m.BitDepth, full)
					if err != nil {
						return fmt.Errorf("tile %d: %w", t, err)
					}
					if err := paste(i, tile); err != nil {
						return err
					}
				}
				mu.Lock()
				peak = max(peak, in.Peak())
				mu.Unlock()
				return nil
			})
			if errs[k] != nil {
				for range tiles { // let the other workers stop
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, 0, wasmError(err)
	}
	return canvas, peak, nil
}

// decodeTile decodes coded item id, w×h, on its own.
func decodeTile(in *wasm.Instance, limit int64, f *File, id uint32, w, h, chroma, depth int, full bool) (image.Image, error) {
	file, err := f.standalone(id)
	if err != nil {
		return nil, err
	}
	img, err := decodeItem(in, limit, file, image.Pt(w, h), chroma, depth, full)
	if err != nil {
		return nil, err
	}
	if v, ok := img.(*image.NRGBA); ok {
		return nil, errUnsupported("HEVC image decoded as RGB (%v)", v.Rect)
	}
	return img, nil
}

// pastePlane copies a sw×sh plane into a dw×dh one at (x0, y0), clipped.
func pastePlane(dst []byte, dstride, dw, dh int, src []byte, sstride, sw, sh, x0, y0 int) {
	cw, ch := min(sw, dw-x0), min(sh, dh-y0)
	for y := 0; y < ch; y++ {
		copy(dst[(y0+y)*dstride+x0:(y0+y)*dstride+x0+cw], src[y*sstride:])
	}
}

func pasteYCbCr(dst, src *image.YCbCr, x0, y0 int) {
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	pastePlane(dst.Y, dst.YStride, w, h, src.Y, src.YStride, src.Rect.Dx(), src.Rect.Dy(), x0, y0)
	sx, sy := subsampling(dst.SubsampleRatio)
	cw, ch := (w+1<<sx-1)>>sx, (h+1<<sy-1)>>sy
	scw := (src.Rect.Dx() + 1<<sx - 1) >> sx
	sch := (src.Rect.Dy() + 1<<sy - 1) >> sy
	pastePlane(dst.Cb, dst.CStride, cw, ch, src.Cb, src.CStride, scw, sch, x0>>sx, y0>>sy)
	pastePlane(dst.Cr, dst.CStride, cw, ch, src.Cr, src.CStride, scw, sch, x0>>sx, y0>>sy)
}

// scaleNearest scales g to w×h by nearest neighbour.
func scaleNearest(g *image.Gray, w, h int) *image.Gray {
	out := image.NewGray(image.Rect(0, 0, w, h))
	sw, sh := g.Rect.Dx(), g.Rect.Dy()
	for y := range h {
		sy := y * sh / h
		for x := range w {
			out.Pix[y*w+x] = g.Pix[sy*g.Stride+x*sw/w]
		}
	}
	return out
}

// withAlpha combines a decoded colour image with its alpha plane.
func withAlpha(img image.Image, a *image.Gray, premultiplied bool) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	pix := make([]byte, 4*w*h)
	for y := range h {
		for x := range w {
			var r, g, bl uint8
			switch v := img.(type) {
			case *image.YCbCr:
				yi, ci := v.YOffset(x, y), v.COffset(x, y)
				r, g, bl = color.YCbCrToRGB(v.Y[yi], v.Cb[ci], v.Cr[ci])
			case *image.Gray:
				r = v.Pix[y*v.Stride+x]
				g, bl = r, r
			case *image.NRGBA:
				i := y*v.Stride + 4*x
				r, g, bl = v.Pix[i], v.Pix[i+1], v.Pix[i+2]
			}
			i := 4 * (y*w + x)
			pix[i], pix[i+1], pix[i+2], pix[i+3] = r, g, bl, a.Pix[y*a.Stride+x]
		}
	}
	if premultiplied {
		// The colour is premultiplied: keep it so, clamped to alpha.
		for i := 0; i < len(pix); i += 4 {
			al := pix[i+3]
			pix[i], pix[i+1], pix[i+2] = min(pix[i], al), min(pix[i+1], al), min(pix[i+2], al)
		}
		return &image.RGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
	}
	return &image.NRGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}
