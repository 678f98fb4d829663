package metadata

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/blobimage/blobimage/codecs"
)

func init() {
	register(codecs.WebP, handler{parse: parseWebPFile, embedICC: webpEmbedICC})
}

// VP8X flags.
const (
	vp8xAnimation = 1 << 1
	vp8xXMP       = 1 << 2
	vp8xEXIF      = 1 << 3
	vp8xAlpha     = 1 << 4
	vp8xICC       = 1 << 5
)

// riffChunk is one WebP chunk: data[start:end] from its FourCC to its
// padding byte; the payload is size bytes after the 8-byte header.
type riffChunk struct {
	id         string
	start, end int
	size       int
}

func (c riffChunk) payload(b []byte) []byte { return b[c.start+8 : c.start+8+c.size] }

var errNotWebP = errors.New("metadata: not a WebP (no RIFF WEBP header)")

// parseWebP splits data into the chunks of its RIFF container and returns
// the end of the container (bytes after it are not part of the image). A
// container or chunk size running past the end of data is an error,
// returned with the chunks read before it.
func parseWebP(b []byte) (chunks []riffChunk, end int, err error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, 0, errNotWebP
	}
	size := binary.LittleEndian.Uint32(b[4:])
	if uint64(size)+8 > uint64(len(b)) {
		return nil, 0, fmt.Errorf("metadata: webp: RIFF size %d runs past the end (%d bytes)", size, len(b))
	}
	if size < 4 {
		// The container would end before its own "WEBP" form type:
		// cutting the file there would leave no WebP at all.
		return nil, 0, fmt.Errorf("metadata: webp: RIFF size %d leaves no room for the WEBP form type", size)
	}
	end = int(size) + 8
	pos := 12
	for pos < end {
		if pos+8 > end {
			return chunks, end, fmt.Errorf("metadata: webp: truncated chunk header at offset %d", pos)
		}
		n := binary.LittleEndian.Uint32(b[pos+4:])
		if uint64(pos)+8+uint64(n) > uint64(end) {
			return chunks, end, fmt.Errorf("metadata: webp: %q chunk at offset %d: size %d runs past the end of the RIFF container", b[pos:pos+4], pos, n)
		}
		c := riffChunk{id: string(b[pos : pos+4]), start: pos, size: int(n)}
		c.end = min(pos+8+int(n)+int(n&1), end) // the last padding byte may be missing
		chunks = append(chunks, c)
		pos = c.end
	}
	return chunks, end, nil
}

// riffChunkBytes returns a chunk with its header and padding.
func riffChunkBytes(id string, payload []byte) []byte {
	out := make([]byte, 8, 9+len(payload))
	copy(out, id)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(payload)))
	out = append(out, payload...)
	if len(payload)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// webpBuild returns a RIFF WEBP container of the given chunks, each
// padded to an even size (the last chunk of a file may lack its padding
// byte).
func webpBuild(chunks [][]byte) ([]byte, error) {
	n := 4
	for _, c := range chunks {
		n += len(c) + len(c)&1
	}
	if uint64(n) > 1<<32-2 {
		return nil, errors.New("metadata: webp larger than a RIFF container can hold")
	}
	out := make([]byte, 8, 8+n)
	copy(out, "RIFF")
	binary.LittleEndian.PutUint32(out[4:], uint32(n))
	out = append(out, "WEBP"...)
	for _, c := range chunks {
		out = append(out, c...)
		if len(c)&1 == 1 {
			out = append(out, 0)
		}
	}
	return out, nil
}

// webpFile is a WebP split into chunks once.
type webpFile struct {
	b      []byte
	chunks []riffChunk
	end    int   // the end of the RIFF container
	err    error // what stopped the walk before the end of the container
}

// parseWebPFile walks b once; only b without a RIFF WEBP header is
// refused.
func parseWebPFile(b []byte) (container, error) {
	chunks, end, err := parseWebP(b)
	if err == errNotWebP {
		return nil, err
	}
	return &webpFile{b: b, chunks: chunks, end: end, err: err}, nil
}

// riffEnd returns where the RIFF container ends: the size its header
// gives, padded to even when the padding byte is there.
func (w *webpFile) riffEnd() int {
	if w.end&1 == 1 && w.end < len(w.b) {
		return w.end + 1
	}
	return w.end
}

// trim returns the RIFF container, without the bytes after it. Damage
// inside the container does not matter: its header says where it ends.
// A header declaring more bytes than there are is an error.
func (w *webpFile) trim() ([]byte, error) {
	if w.end == 0 {
		return nil, w.err
	}
	return prefix(w.b, w.riffEnd()), nil
}

// stripGPS rewrites the EXIF chunks holding a GPS IFD and drops the XMP
// chunks that mention GPS (clearing the VP8X XMP flag when none is left);
// like trim, it ends the file with the RIFF container.
func (w *webpFile) stripGPS() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	b, chunks := w.b, w.chunks
	repl := map[int][]byte{}
	xmpLeft := false
	for i, c := range chunks {
		switch c.id {
		case "EXIF":
			p := c.payload(b)
			prefix, _ := splitEXIF(p)
			np, found, err := stripPayloadGPS(p, prefix)
			if err != nil {
				return nil, fmt.Errorf("metadata: webp EXIF: %w", err)
			}
			if found {
				repl[i] = riffChunkBytes("EXIF", np)
			}
		case "XMP ":
			if hasGPSText(c.payload(b)) {
				repl[i] = nil
			} else {
				xmpLeft = true
			}
		}
	}
	if len(repl) == 0 {
		return prefix(b, w.riffEnd()), nil
	}
	out := make([][]byte, 0, len(chunks))
	for i, c := range chunks {
		if r, ok := repl[i]; ok {
			if r != nil {
				out = append(out, r)
			}
			continue
		}
		raw := b[c.start:c.end]
		if c.id == "VP8X" && c.size >= 1 && !xmpLeft {
			raw = append([]byte(nil), raw...)
			raw[8] &^= vp8xXMP
		}
		out = append(out, raw)
	}
	return webpBuild(out)
}

// webpVP8X returns the VP8X payload describing a simple-format WebP
// (a lone VP8 or VP8L chunk), so extended chunks can be added to it.
func webpVP8X(b []byte, chunks []riffChunk) ([]byte, error) {
	for _, c := range chunks {
		p := c.payload(b)
		var w, h int
		var flags byte
		switch c.id {
		case "VP8 ":
			if len(p) < 10 || p[3] != 0x9d || p[4] != 0x01 || p[5] != 0x2a {
				return nil, errors.New("metadata: webp VP8 chunk has no key frame header")
			}
			w = int(binary.LittleEndian.Uint16(p[6:]) & 0x3fff)
			h = int(binary.LittleEndian.Uint16(p[8:]) & 0x3fff)
		case "VP8L":
			if len(p) < 5 || p[0] != 0x2f {
				return nil, errors.New("metadata: webp VP8L chunk has no header")
			}
			bits := binary.LittleEndian.Uint32(p[1:])
			w = int(bits&0x3fff) + 1
			h = int(bits>>14&0x3fff) + 1
			if bits>>28&1 != 0 {
				flags |= vp8xAlpha
			}
		default:
			continue
		}
		if w == 0 || h == 0 {
			return nil, errors.New("metadata: webp image has a zero dimension")
		}
		v := make([]byte, 10)
		v[0] = flags
		v[4], v[5], v[6] = byte(w-1), byte((w-1)>>8), byte((w-1)>>16)
		v[7], v[8], v[9] = byte(h-1), byte((h-1)>>8), byte((h-1)>>16)
		return v, nil
	}
	return nil, errors.New("metadata: webp has no VP8 or VP8L chunk")
}

// webpKeep lists the chunks StripAll keeps: what decoding and display need.
var webpKeep = map[string]bool{
	"VP8X": true, "ICCP": true, "ANIM": true, "ANMF": true, "ALPH": true, "VP8 ": true, "VP8L": true,
}

// stripAll keeps the chunks of webpKeep: EXIF, XMP and unknown chunks and
// bytes after the container go; an EXIF chunk with the orientation is
// added at the end (with a VP8X header if the file had none).
func (w *webpFile) stripAll(orientation int) ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	b, chunks := w.b, w.chunks
	withEXIF := orientation >= 2 && orientation <= 8
	var out [][]byte
	hasVP8X := len(chunks) > 0 && chunks[0].id == "VP8X"
	if withEXIF && !hasVP8X {
		v, err := webpVP8X(b, chunks)
		if err != nil {
			return nil, err
		}
		v[0] |= vp8xEXIF
		out = append(out, riffChunkBytes("VP8X", v))
	}
	for _, c := range chunks {
		if !webpKeep[c.id] {
			continue
		}
		raw := b[c.start:c.end]
		if c.id == "VP8X" && c.size >= 1 {
			raw = append([]byte(nil), raw...)
			raw[8] &^= vp8xEXIF | vp8xXMP
			if withEXIF {
				raw[8] |= vp8xEXIF
			}
		}
		out = append(out, raw)
	}
	if withEXIF {
		out = append(out, riffChunkBytes("EXIF", orientationTIFF(orientation)))
	}
	return webpBuild(out)
}

// icc returns a copy of the payload of the ICCP chunk.
func (w *webpFile) icc() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	for _, c := range w.chunks {
		if c.id == "ICCP" {
			if c.size > maxICC {
				return nil, fmt.Errorf("metadata: webp ICC profile larger than %d bytes", maxICC)
			}
			return append([]byte(nil), c.payload(w.b)...), nil
		}
	}
	return nil, nil
}

// webpEmbedICC implements EmbedICC for WebP: an ICCP chunk after the VP8X
// header (created if needed, its ICC flag set), replacing any other. Bytes
// after the RIFF container (an encoder writes none) are not kept.
func webpEmbedICC(b, icc []byte) ([]byte, error) {
	chunks, _, err := parseWebP(b)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	rest := chunks
	if len(chunks) > 0 && chunks[0].id == "VP8X" && chunks[0].size >= 1 {
		v := append([]byte(nil), b[chunks[0].start:chunks[0].end]...)
		v[8] |= vp8xICC
		out = append(out, v)
		rest = chunks[1:]
	} else {
		v, err := webpVP8X(b, chunks)
		if err != nil {
			return nil, err
		}
		v[0] |= vp8xICC
		out = append(out, riffChunkBytes("VP8X", v))
	}
	out = append(out, riffChunkBytes("ICCP", icc))
	for _, c := range rest {
		if c.id != "ICCP" {
			out = append(out, b[c.start:c.end])
		}
	}
	return webpBuild(out)
}

// sources returns the first EXIF and XMP chunks of the WebP, with the
// damage met.
func (w *webpFile) sources() (src sources, err error) {
	for _, c := range w.chunks {
		switch {
		case c.id == "EXIF" && src.exif == nil:
			_, src.exif = splitEXIF(c.payload(w.b))
		case c.id == "XMP " && src.xmp == nil:
			src.xmp = c.payload(w.b)
		}
	}
	return src, w.err
}
