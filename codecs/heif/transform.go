package heif

import "image"

// plane is one channel of samples, bpp bytes per pixel (1 for a Y'CbCr
// or grey plane, 4 for interleaved RGBA).
type plane struct {
	pix    []byte
	stride int
	w, h   int
	bpp    int
}

// rotate returns p turned anticlockwise by angle degrees (0, 90, 180,
// 270).
func (p plane) rotate(angle int) plane {
	if angle == 0 {
		return p
	}
	ow, oh := p.w, p.h
	if angle != 180 {
		ow, oh = p.h, p.w
	}
	out := plane{pix: make([]byte, ow*oh*p.bpp), stride: ow * p.bpp, w: ow, h: oh, bpp: p.bpp}
	n := p.bpp
	for y := range p.h {
		row := p.pix[y*p.stride:]
		for x := range p.w {
			var ox, oy int
			switch angle {
			case 90:
				ox, oy = y, p.w-1-x
			case 180:
				ox, oy = p.w-1-x, p.h-1-y
			default: // 270
				ox, oy = p.h-1-y, x
			}
			copy(out.pix[oy*out.stride+n*ox:oy*out.stride+n*ox+n], row[n*x:n*x+n])
		}
	}
	return out
}

// mirror flips p in place: axis 0 top to bottom, axis 1 left to right
// (libheif's and avifenc's reading of imir).
func (p plane) mirror(axis int) {
	n := p.bpp
	if axis == 0 {
		tmp := make([]byte, n*p.w)
		for y := range p.h / 2 {
			a := p.pix[y*p.stride : y*p.stride+n*p.w]
			b := p.pix[(p.h-1-y)*p.stride : (p.h-1-y)*p.stride+n*p.w]
			copy(tmp, a)
			copy(a, b)
			copy(b, tmp)
		}
		return
	}
	for y := range p.h {
		row := p.pix[y*p.stride : y*p.stride+n*p.w]
		for x := range p.w / 2 {
			i, j := n*x, n*(p.w-1-x)
			for k := range n {
				row[i+k], row[j+k] = row[j+k], row[i+k]
			}
		}
	}
}

// crop returns the w×h window of p at (x, y), copied.
func (p plane) crop(x, y, w, h int) plane {
	n := p.bpp
	out := plane{pix: make([]byte, w*h*n), stride: w * n, w: w, h: h, bpp: n}
	for r := range h {
		copy(out.pix[r*out.stride:(r+1)*out.stride], p.pix[(y+r)*p.stride+n*x:])
	}
	return out
}

// transform applies the irot, imir and clap properties ts, in their
// order, as libheif does, to a *image.YCbCr, *image.Gray or *image.RGBA
// (*image.NRGBA), returning the transformed image (possibly img itself).
// A Y'CbCr image's chroma planes turn with it: rotating 4:2:2 by 90° makes
// 4:4:0.
func transform(img image.Image, ts []any) image.Image {
	for _, t := range ts {
		img = transformOne(img, t)
	}
	return img
}

func transformOne(img image.Image, t any) image.Image {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	var l, r, top, b int64
	if c, ok := t.(CLAP); ok {
		var ok2 bool
		if l, r, top, b, ok2 = c.window(w, h); !ok2 {
			return img // Image refused such a window before decoding
		}
	}
	apply := func(p plane, sx, sy uint) plane {
		switch v := t.(type) {
		case IROT:
			return p.rotate(v.Angle)
		case IMIR:
			p.mirror(v.Axis)
			return p
		case CLAP:
			x0, y0 := int(l)>>sx, int(top)>>sy
			cw := (int(r-l+1) + 1<<sx - 1) >> sx
			ch := (int(b-top+1) + 1<<sy - 1) >> sy
			cw, ch = min(cw, p.w-x0), min(ch, p.h-y0)
			return p.crop(x0, y0, cw, ch)
		}
		return p
	}
	switch v := img.(type) {
	case *image.YCbCr:
		sx, sy := subsampling(v.SubsampleRatio)
		cw, ch := (w+1<<sx-1)>>sx, (h+1<<sy-1)>>sy
		y := apply(plane{v.Y, v.YStride, w, h, 1}, 0, 0)
		cb := apply(plane{v.Cb, v.CStride, cw, ch, 1}, sx, sy)
		cr := apply(plane{v.Cr, v.CStride, cw, ch, 1}, sx, sy)
		ratio := v.SubsampleRatio
		if a, ok := t.(IROT); ok && (a.Angle == 90 || a.Angle == 270) {
			switch ratio {
			case image.YCbCrSubsampleRatio422:
				ratio = image.YCbCrSubsampleRatio440
			case image.YCbCrSubsampleRatio440:
				ratio = image.YCbCrSubsampleRatio422
			}
		}
		return &image.YCbCr{Y: y.pix, Cb: cb.pix, Cr: cr.pix, YStride: y.stride, CStride: cb.stride,
			SubsampleRatio: ratio, Rect: image.Rect(0, 0, y.w, y.h)}
	case *image.Gray:
		p := apply(plane{v.Pix, v.Stride, w, h, 1}, 0, 0)
		return &image.Gray{Pix: p.pix, Stride: p.stride, Rect: image.Rect(0, 0, p.w, p.h)}
	case *image.RGBA:
		p := apply(plane{v.Pix, v.Stride, w, h, 4}, 0, 0)
		return &image.RGBA{Pix: p.pix, Stride: p.stride, Rect: image.Rect(0, 0, p.w, p.h)}
	case *image.NRGBA:
		p := apply(plane{v.Pix, v.Stride, w, h, 4}, 0, 0)
		return &image.NRGBA{Pix: p.pix, Stride: p.stride, Rect: image.Rect(0, 0, p.w, p.h)}
	}
	return img
}
