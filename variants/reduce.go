package variants

import (
	"image"
	"image/draw"

	"github.com/blobimage/blobimage/internal/boxavg"
)

// reduceFactor is the integer factor by which Render box-reduces a src of
// size src before resampling it to rs: the largest k that leaves the
// result at least AdequateScale times rs in both sides (Pillow's
// reducing_gap does the same), or 1 when no reduction keeps that margin.
func reduceFactor(src, rs image.Point) int {
	if rs.X <= 0 || rs.Y <= 0 {
		return 1
	}
	return max(1, min(src.X/(AdequateScale*rs.X), src.Y/(AdequateScale*rs.Y)))
}

// boxReduce returns img shrunk by the integer factor k ≥ 2 in each
// direction: bounds (0,0)–(⌈w/k⌉, ⌈h/k⌉), each pixel the mean of the k×k
// source pixels it covers (fewer at the right and bottom edges), which is
// the picture a decoder scaling by 1/k in the DCT domain gives. A Lanczos
// resample of the result to at least half its size loses nothing visible,
// and costs a fraction of one from the full image.
//
// *image.YCbCr (at the origin) stays *image.YCbCr with the same chroma
// subsampling, its planes reduced one by one, and *image.Gray stays
// *image.Gray. Anything else becomes *image.NRGBA, averaged with alpha
// weights so that the colour of transparent pixels does not bleed.
func boxReduce(img image.Image, k int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	W, H := (w+k-1)/k, (h+k-1)/k
	switch m := img.(type) {
	case *image.YCbCr:
		if b.Min == (image.Point{}) {
			out := image.NewYCbCr(image.Rect(0, 0, W, H), m.SubsampleRatio)
			reducePlane(out.Y, out.YStride, m.Y, m.YStride, w, h, k)
			cw, ch := chromaSize(w, h, m.SubsampleRatio)
			reducePlane(out.Cb, out.CStride, m.Cb, m.CStride, cw, ch, k)
			reducePlane(out.Cr, out.CStride, m.Cr, m.CStride, cw, ch, k)
			return out
		}
	case *image.Gray:
		out := image.NewGray(image.Rect(0, 0, W, H))
		reducePlane(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, k)
		return out
	case *image.RGBA:
		// Premultiplied: the plain mean of each channel is the
		// alpha-weighted mean.
		out := image.NewRGBA(image.Rect(0, 0, W, H))
		reducePixels(out.Pix, out.Stride, m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, w, h, k, 4)
		return out
	}
	src, ok := img.(*image.NRGBA)
	if !ok {
		src = image.NewNRGBA(image.Rect(0, 0, w, h))
		draw.Draw(src, src.Rect, img, b.Min, draw.Src)
	}
	out := image.NewNRGBA(image.Rect(0, 0, W, H))
	reduceNRGBA(out, src, k)
	return out
}

// chromaSize is the size of the chroma planes of a w×h image.YCbCr at the
// origin with subsampling r.
func chromaSize(w, h int, r image.YCbCrSubsampleRatio) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	case image.YCbCrSubsampleRatio411:
		return (w + 3) / 4, h
	case image.YCbCrSubsampleRatio410:
		return (w + 3) / 4, (h + 1) / 2
	}
	return w, h
}

// reducePlane box-reduces the w×h plane src (stride ss) by k into dst
// (stride ds), which holds ⌈w/k⌉×⌈h/k⌉ samples. (For subsampled chroma the
// reduced plane's size is the one image.NewYCbCr gives the reduced image,
// since ⌈⌈w/s⌉/k⌉ = ⌈⌈w/k⌉/s⌉.)
func reducePlane(dst []byte, ds int, src []byte, ss, w, h, k int) {
	reducePixels(dst, ds, src, ss, w, h, k, 1)
}

// reducePixels box-reduces w×h pixels of c interleaved 8-bit channels
// (stride ss) by k into dst (stride ds), channel by channel.
func reducePixels(dst []byte, ds int, src []byte, ss, w, h, k, c int) {
	if k == 2 {
		halvePixels(dst, ds, src, ss, w, h, c)
		return
	}
	W := (w + k - 1) / k
	acc := make([]uint32, W*c)
	for Y := 0; Y*k < h; Y++ {
		clear(acc)
		y1 := min(Y*k+k, h)
		for y := Y * k; y < y1; y++ {
			addRow(acc, src[y*ss:y*ss+w*c], k, c)
		}
		rows := uint32(y1 - Y*k)
		out := dst[Y*ds : Y*ds+W*c]
		n := rows * uint32(k)
		full := w / k * c // output samples covering whole k-wide blocks
		for i, s := range acc[:full] {
			out[i] = uint8((s + n/2) / n)
		}
		if full < len(acc) { // the last block is narrower
			n := rows * uint32(w-w/k*k)
			for i := full; i < len(acc); i++ {
				out[i] = uint8((acc[i] + n/2) / n)
			}
		}
	}
}

// halvePixels is reducePixels for k = 2, the common case: two rows at a
// time, without an accumulator.
func halvePixels(dst []byte, ds int, src []byte, ss, w, h, c int) {
	n := w / 2 * c // output samples from whole pairs
	for Y := 0; 2*Y < h; Y++ {
		r0 := src[2*Y*ss : 2*Y*ss+w*c]
		r1 := r0 // an odd last row pairs with itself: the same mean
		if 2*Y+1 < h {
			r1 = src[(2*Y+1)*ss : (2*Y+1)*ss+w*c]
		}
		out := dst[Y*ds : Y*ds+(w+1)/2*c]
		if c == 1 {
			boxavg.Pairs(out[:n], r0, r1)
		} else {
			for i := 0; i < n; i += c {
				p, q := r0[2*i:2*i+2*c], r1[2*i:2*i+2*c]
				o := out[i : i+c : i+c]
				for j := range o {
					o[j] = uint8((uint32(p[j]) + uint32(p[c+j]) + uint32(q[j]) + uint32(q[c+j]) + 2) >> 2)
				}
			}
		}
		if w%2 == 1 {
			for j := range c {
				out[n+j] = uint8((uint32(r0[w*c-c+j]) + uint32(r1[w*c-c+j]) + 1) >> 1)
			}
		}
	}
}

// addRow adds the sums of each k-pixel block of row (c channels per
// pixel) to acc.
func addRow(acc []uint32, row []byte, k, c int) {
	if c == 1 {
		// A plane (YCbCr, Gray): one sum per block, without the channel
		// loop, which is most of the work for the usual k of 3 to 8.
		n := len(row) / k * k
		for X, x := 0, 0; x < n; X, x = X+1, x+k {
			var sum uint32
			for _, v := range row[x : x+k : x+k] {
				sum += uint32(v)
			}
			acc[X] += sum
		}
		if n < len(row) {
			var sum uint32
			for _, v := range row[n:] {
				sum += uint32(v)
			}
			acc[n/k] += sum
		}
		return
	}
	step := k * c
	for x0, X := 0, 0; x0 < len(row); x0, X = x0+step, X+c {
		a := acc[X : X+c : X+c]
		for i, end := x0, min(x0+step, len(row)); i < end; i += c {
			p := row[i : i+c : i+c]
			for j := range a {
				a[j] += uint32(p[j])
			}
		}
	}
}

// reduceNRGBA box-reduces src by k into dst, weighting colours by alpha.
func reduceNRGBA(dst, src *image.NRGBA, k int) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	W := dst.Rect.Dx()
	acc := make([]uint64, 4*W) // per output pixel: Σa, Σr·a, Σg·a, Σb·a
	for Y := 0; Y*k < h; Y++ {
		clear(acc)
		y1 := min(Y*k+k, h)
		for y := Y * k; y < y1; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+4*w]
			for X := range W {
				x0, x1 := X*k, min(X*k+k, w)
				var sa, sr, sg, sb uint64
				for i := 4 * x0; i < 4*x1; i += 4 {
					p := row[i : i+4 : i+4]
					a := uint64(p[3])
					sa += a
					sr += uint64(p[0]) * a
					sg += uint64(p[1]) * a
					sb += uint64(p[2]) * a
				}
				a := acc[4*X : 4*X+4 : 4*X+4]
				a[0] += sa
				a[1] += sr
				a[2] += sg
				a[3] += sb
			}
		}
		rows := uint64(y1 - Y*k)
		out := dst.Pix[Y*dst.Stride : Y*dst.Stride+4*W]
		for X := range W {
			a := acc[4*X : 4*X+4 : 4*X+4]
			o := out[4*X : 4*X+4 : 4*X+4]
			if a[0] == 0 {
				o[0], o[1], o[2], o[3] = 0, 0, 0, 0
				continue
			}
			n := rows * uint64(min(X*k+k, w)-X*k)
			o[0] = uint8((a[1] + a[0]/2) / a[0])
			o[1] = uint8((a[2] + a[0]/2) / a[0])
			o[2] = uint8((a[3] + a[0]/2) / a[0])
			o[3] = uint8((a[0] + n/2) / n)
		}
	}
}
