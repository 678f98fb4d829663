package codecs

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
)

// A GIF's displayed size is its logical screen, enlarged where its first
// frame reaches past it, as Pillow reads it (GifImagePlugin grows the size
// to the first frame's extent) and as browsers show such files: GIF
// writers that get the screen wrong are common, and image/gif refuses them
// ("frame bounds larger than image bounds"). Only the first frame counts:
// it is the one decoded.

// gifLayout walks a GIF's blocks up to its first image descriptor and
// returns the logical screen and the first frame's rectangle, and the
// offset of the logical screen descriptor's size fields.
func gifLayout(data []byte) (screen, frame image.Rectangle, err error) {
	if len(data) < 13 {
		return screen, frame, fmt.Errorf("gif: short header")
	}
	screen = image.Rect(0, 0, int(binary.LittleEndian.Uint16(data[6:])), int(binary.LittleEndian.Uint16(data[8:])))
	at := 13
	if flags := data[10]; flags&0x80 != 0 {
		at += 3 << (1 + flags&7)
	}
	for at < len(data) {
		switch data[at] {
		case 0x21: // extension: label, then sub-blocks
			at += 2
			for at < len(data) && data[at] != 0 {
				at += 1 + int(data[at])
			}
			at++
		case 0x2C: // image descriptor
			if at+10 > len(data) {
				return screen, frame, fmt.Errorf("gif: short image descriptor")
			}
			d := data[at+1:]
			x, y := int(binary.LittleEndian.Uint16(d[0:])), int(binary.LittleEndian.Uint16(d[2:]))
			w, h := int(binary.LittleEndian.Uint16(d[4:])), int(binary.LittleEndian.Uint16(d[6:]))
			return screen, image.Rect(x, y, x+w, y+h), nil
		default: // the trailer, or bytes that start no block
			return screen, frame, fmt.Errorf("gif: no image")
		}
	}
	return screen, frame, fmt.Errorf("gif: no image")
}

// gifFrames counts a GIF's image descriptors, walking its blocks without
// decoding: extensions and image data are sequences of length-prefixed
// sub-blocks. The walk stops at the trailer or at bytes that start no
// block.
func gifFrames(data []byte) int {
	if len(data) < 13 {
		return 0
	}
	at := 13
	if flags := data[10]; flags&0x80 != 0 {
		at += 3 << (1 + flags&7)
	}
	skipBlocks := func() {
		for at < len(data) && data[at] != 0 {
			at += 1 + int(data[at])
		}
		at++
	}
	n := 0
	for at < len(data) {
		switch data[at] {
		case 0x21:
			at += 2
			skipBlocks()
		case 0x2C:
			if at+10 > len(data) {
				return n
			}
			n++
			flags := data[at+9]
			at += 10
			if flags&0x80 != 0 {
				at += 3 << (1 + flags&7)
			}
			at++ // LZW minimum code size
			skipBlocks()
		default:
			return n
		}
	}
	return n
}

// gifCanvasRect is the canvas a GIF is displayed on: its logical screen,
// grown to hold its first frame.
func gifCanvasRect(screen, frame image.Rectangle) image.Rectangle {
	return image.Rect(0, 0, max(screen.Max.X, frame.Max.X), max(screen.Max.Y, frame.Max.Y))
}

// widened returns data with its logical screen set to canvas when that
// differs, so that image/gif accepts a first frame reaching past the
// screen the file declares.
func widened(data []byte, screen, canvas image.Rectangle) []byte {
	if canvas == screen {
		return data
	}
	out := bytes.Clone(data)
	binary.LittleEndian.PutUint16(out[6:], uint16(canvas.Dx()))
	binary.LittleEndian.PutUint16(out[8:], uint16(canvas.Dy()))
	return out
}

// decodeGIFConfig reports the displayed size (see gifCanvasRect) and the
// global palette.
func decodeGIFConfig(r io.Reader) (image.Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return image.Config{}, err
	}
	screen, frame, err := gifLayout(data)
	if err != nil {
		// Let image/gif say what is wrong with a file without a frame.
		return gif.DecodeConfig(bytes.NewReader(data))
	}
	canvas := gifCanvasRect(screen, frame)
	if canvas.Dx() > 0xFFFF || canvas.Dy() > 0xFFFF {
		return image.Config{}, fmt.Errorf("gif: first frame %v reaches past 65535 pixels", frame)
	}
	return gif.DecodeConfig(bytes.NewReader(widened(data, screen, canvas)))
}

// decodeGIF decodes the first frame of a GIF and, when the frame does not
// cover the canvas (gifCanvasRect), places it at its offset on a
// transparent canvas: an *image.Paletted when the palette has or can take a
// transparent entry, an *image.NRGBA otherwise.
func decodeGIF(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	screen, frame, err := gifLayout(data)
	if err != nil {
		return gif.Decode(bytes.NewReader(data))
	}
	canvas := gifCanvasRect(screen, frame)
	if canvas.Dx() > 0xFFFF || canvas.Dy() > 0xFFFF {
		return nil, fmt.Errorf("gif: first frame %v reaches past 65535 pixels", frame)
	}
	m, err := gif.Decode(bytes.NewReader(widened(data, screen, canvas)))
	if err != nil {
		return nil, err
	}
	p, ok := m.(*image.Paletted)
	if !ok || p.Rect == canvas {
		return m, nil
	}
	return gifCanvas(p, canvas), nil
}

// gifCanvas draws frame onto a transparent canvas covering screen.
func gifCanvas(frame *image.Paletted, screen image.Rectangle) image.Image {
	pal := frame.Palette
	ti := -1
	for i, c := range pal {
		if _, _, _, a := c.RGBA(); a == 0 {
			ti = i
			break
		}
	}
	if ti < 0 && len(pal) < 256 {
		pal = append(pal[:len(pal):len(pal)], color.RGBA{})
		ti = len(pal) - 1
	}
	fr := frame.Rect
	if ti >= 0 {
		c := image.NewPaletted(screen, pal)
		if ti != 0 {
			for i := range c.Pix {
				c.Pix[i] = uint8(ti)
			}
		}
		for y := fr.Min.Y; y < fr.Max.Y; y++ {
			copy(c.Pix[c.PixOffset(fr.Min.X, y):c.PixOffset(fr.Max.X, y)],
				frame.Pix[frame.PixOffset(fr.Min.X, y):frame.PixOffset(fr.Max.X, y)])
		}
		return c
	}
	// A full palette of opaque colours: no index is free for transparency.
	var lut [256]color.NRGBA
	for i, c := range pal {
		lut[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
	}
	c := image.NewNRGBA(screen)
	for y := fr.Min.Y; y < fr.Max.Y; y++ {
		src := frame.Pix[frame.PixOffset(fr.Min.X, y):frame.PixOffset(fr.Max.X, y)]
		dst := c.Pix[c.PixOffset(fr.Min.X, y):]
		for x, idx := range src {
			p := lut[idx]
			d := dst[4*x : 4*x+4 : 4*x+4]
			d[0], d[1], d[2], d[3] = p.R, p.G, p.B, p.A
		}
	}
	return c
}
