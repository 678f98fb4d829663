package variants

import "image"

// orientDirect is Orient for the image types decoders return, moving
// samples plane by plane without a colour conversion: *image.YCbCr (at
// the origin; 4:4:4 and 4:2:0 keep their subsampling, 4:2:2 and 4:4:0 swap
// when transposed), *image.Gray, *image.RGBA and *image.NRGBA. It reports
// false for anything else, for 4:1:1 and 4:1:0 turned a quarter (which no
// image.YCbCr ratio can hold) and for YCbCr whose mirrored sides are not a
// whole number of chroma samples; Orient hands those to imaging.
func orientDirect(img image.Image, o int) (image.Image, bool) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	transposed := o >= 5
	W, H := w, h
	if transposed {
		W, H = h, w
	}
	r := image.Rect(0, 0, W, H)
	switch m := img.(type) {
	case *image.YCbCr:
		if b.Min != (image.Point{}) {
			return nil, false
		}
		ratio := m.SubsampleRatio
		if !mirrorsChroma(w, h, ratio, o) {
			return nil, false
		}
		if transposed {
			switch ratio {
			case image.YCbCrSubsampleRatio422:
				ratio = image.YCbCrSubsampleRatio440
			case image.YCbCrSubsampleRatio440:
				ratio = image.YCbCrSubsampleRatio422
			case image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410:
				return nil, false
			}
		}
		out := image.NewYCbCr(r, ratio)
		orientPlane(out.Y, out.YStride, m.Y, m.YStride, w, h, 1, o)
		cw, ch := chromaSize(w, h, m.SubsampleRatio)
		orientPlane(out.Cb, out.CStride, m.Cb, m.CStride, cw, ch, 1, o)
		orientPlane(out.Cr, out.CStride, m.Cr, m.CStride, cw, ch, 1, o)
		return out, true
	case *image.Gray:
		out := image.NewGray(r)
		orientPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 1, o)
		return out, true
	case *image.RGBA:
		out := image.NewRGBA(r)
		orientPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 4, o)
		return out, true
	case *image.NRGBA:
		out := image.NewNRGBA(r)
		orientPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, 4, o)
		return out, true
	}
	return nil, false
}

// mirrorsChroma reports whether turning a w×h image.YCbCr with subsampling
// r by orientation o maps its chroma grid onto the turned image's: each
// side that o mirrors must be a whole number of chroma samples, or every
// turned pixel would take the chroma of its neighbour's sample.
func mirrorsChroma(w, h int, r image.YCbCrSubsampleRatio, o int) bool {
	sx, sy := 1, 1
	switch r {
	case image.YCbCrSubsampleRatio422:
		sx = 2
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio440:
		sy = 2
	case image.YCbCrSubsampleRatio411:
		sx = 4
	case image.YCbCrSubsampleRatio410:
		sx, sy = 4, 2
	}
	mirrorX := o == 2 || o == 3 || o == 7 || o == 8
	mirrorY := o == 3 || o == 4 || o == 6 || o == 7
	return (!mirrorX || w%sx == 0) && (!mirrorY || h%sy == 0)
}

// orientPlane writes the w×h plane src (stride ss, c = 1 or 4 bytes per
// sample) to
// dst (stride ds) turned as EXIF orientation o (2–8) says: dst is w×h, or
// h×w for o ≥ 5. Output sample (X, Y) comes from source (x, y) =
//
//	2: (w−1−X, Y)    3: (w−1−X, h−1−Y)    4: (X, h−1−Y)
//	5: (Y, X)        6: (Y, h−1−X)        7: (w−1−Y, h−1−X)    8: (w−1−Y, X)
//
// The quarter turns walk the source in 16×16 tiles, so that neither side's
// rows are read or written one sample per cache line.
func orientPlane(dst []byte, ds int, src []byte, ss, w, h, c, o int) {
	if o < 5 {
		for Y := range h {
			y := Y
			if o == 3 || o == 4 {
				y = h - 1 - Y
			}
			in := src[y*ss : y*ss+w*c]
			out := dst[Y*ds : Y*ds+w*c]
			if o == 4 {
				copy(out, in)
				continue
			}
			for X := range w { // 2 and 3: mirrored
				copy(out[X*c:X*c+c], in[(w-1-X)*c:(w-X)*c])
			}
		}
		return
	}
	// Output is h×w. Along an output row, x is fixed and y steps by ±1.
	const tile = 16
	step, y0 := ss, 0 // 5, 8: y = X
	if o == 6 || o == 7 {
		step, y0 = -ss, h-1 // y = h−1−X
	}
	for Y0 := 0; Y0 < w; Y0 += tile {
		for X0 := 0; X0 < h; X0 += tile {
			X1 := min(X0+tile, h)
			for Y := Y0; Y < min(Y0+tile, w); Y++ {
				x := Y // 5, 6
				if o == 7 || o == 8 {
					x = w - 1 - Y
				}
				i := y0*ss + X0*step + x*c
				if c == 1 {
					out := dst[Y*ds+X0 : Y*ds+X1]
					for X := range out {
						out[X] = src[i]
						i += step
					}
					continue
				}
				out := dst[Y*ds+X0*4 : Y*ds+X1*4]
				for X := 0; X < len(out); X += 4 {
					p, q := out[X:X+4:X+4], src[i:i+4:i+4]
					p[0], p[1], p[2], p[3] = q[0], q[1], q[2], q[3]
					i += step
				}
			}
		}
	}
}
