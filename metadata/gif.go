package metadata

import (
	"bytes"
	"slices"

	"github.com/blobimage/blobimage/codecs"
)

// GIF carries metadata only in extension blocks: comments and application
// extensions (XMP as "XMP DataXMP", ICC as "ICCRGBG1012"). blobimage reads
// none of it, but StripAll drops comments and XMP, and StripGPS drops XMP
// mentioning GPS. Profiles are not written into GIFs: viewers ignore them.
func init() {
	register(codecs.GIF, handler{parse: parseGIFFile, embedICC: func(encoded, _ []byte) ([]byte, error) { return encoded, nil }})
}

// gifBlock is one block of a GIF after the header and global colour table.
type gifBlock struct {
	start, end int
	ext        byte   // extension label, 0 for image data or the trailer
	app        string // application identifier of an application extension
	opaque     bool   // a block cut short by the end of the file (kept verbatim)
	trailing   bool   // bytes after the image: after the trailer, or from a byte that starts no block
}

// gifSubBlocks returns the offset after the data sub-blocks starting at pos,
// or -1 when they run past the end.
func gifSubBlocks(b []byte, pos int) int {
	for pos < len(b) {
		n := int(b[pos])
		pos++
		if n == 0 {
			return pos
		}
		pos += n
	}
	return -1
}

// parseGIF walks the blocks of a GIF. It is lenient, as decoders are: a
// block cut short by the end of the file is kept as one opaque block, and
// where a byte starts no block (neither an extension, an image descriptor
// nor the trailer) the image ends, as it does for decoders, which stop
// there: the bytes from it on are trailing.
func parseGIF(b []byte) (header int, blocks []gifBlock, ok bool) {
	if len(b) < 13 || !(bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))) {
		return 0, nil, false
	}
	pos := 13
	if b[10]&0x80 != 0 {
		pos += 3 << (b[10]&7 + 1)
	}
	if pos > len(b) {
		return 0, nil, false
	}
	header = pos
	opaque := func(from int) []gifBlock {
		if from < len(b) {
			blocks = append(blocks, gifBlock{start: from, end: len(b), opaque: true})
		}
		return blocks
	}
	for pos < len(b) {
		switch b[pos] {
		case 0x3B:
			blocks = append(blocks, gifBlock{start: pos, end: pos + 1})
			if pos+1 < len(b) {
				blocks = append(blocks, gifBlock{start: pos + 1, end: len(b), trailing: true})
			}
			return header, blocks, true
		case 0x21:
			if pos+2 > len(b) {
				return header, opaque(pos), true
			}
			blk := gifBlock{start: pos, ext: b[pos+1]}
			if blk.ext == 0xFF && pos+14 <= len(b) && b[pos+2] == 11 {
				blk.app = string(b[pos+3 : pos+14])
			}
			end := gifSubBlocks(b, pos+2)
			if end < 0 {
				return header, opaque(pos), true
			}
			blk.end = end
			blocks = append(blocks, blk)
			pos = end
		case 0x2C:
			p := pos + 10
			if p > len(b) {
				return header, opaque(pos), true
			}
			if b[pos+9]&0x80 != 0 {
				p += 3 << (b[pos+9]&7 + 1)
			}
			p++ // LZW minimum code size
			if p > len(b) {
				return header, opaque(pos), true
			}
			end := gifSubBlocks(b, p)
			if end < 0 {
				return header, opaque(pos), true
			}
			blocks = append(blocks, gifBlock{start: pos, end: end})
			pos = end
		default:
			blocks = append(blocks, gifBlock{start: pos, end: len(b), trailing: true})
			return header, blocks, true
		}
	}
	return header, blocks, true
}

const (
	gifXMPApp = "XMP DataXMP"
	gifICCApp = "ICCRGBG1012"
)

// gifFile is a GIF split into blocks once. Bytes that do not start as a
// GIF have no blocks and are kept as they are.
type gifFile struct {
	b      []byte
	header int // the end of the header and global colour table
	blocks []gifBlock
	ok     bool // b starts as a GIF
}

// parseGIFFile walks b once. It never fails: GIF decoders are lenient, and
// so is the walk.
func parseGIFFile(b []byte) (container, error) {
	header, blocks, ok := parseGIF(b)
	return &gifFile{b: b, header: header, blocks: blocks, ok: ok}, nil
}

// sources is empty: GIF metadata is not read.
func (g *gifFile) sources() (sources, error) { return sources{}, nil }

// rewrite returns the GIF without the blocks drop selects: the parsed
// bytes themselves when none is selected, a prefix of them when only the
// last blocks are.
func (g *gifFile) rewrite(drop func(gifBlock) bool) []byte {
	b := g.b
	if !g.ok {
		return b
	}
	first := slices.IndexFunc(g.blocks, drop)
	if first < 0 {
		return b
	}
	if !slices.ContainsFunc(g.blocks[first:], func(blk gifBlock) bool { return !drop(blk) }) {
		return prefix(b, g.blocks[first].start)
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:g.blocks[first].start]...)
	for _, blk := range g.blocks[first:] {
		if !drop(blk) {
			out = append(out, b[blk.start:blk.end]...)
		}
	}
	return out
}

// trim drops the bytes after the image: after the trailer, or from the
// first byte that starts no block.
func (g *gifFile) trim() ([]byte, error) {
	return g.rewrite(func(blk gifBlock) bool { return blk.trailing }), nil
}

// stripGPS drops the XMP extensions mentioning GPS and, like trim, the
// bytes after the image.
func (g *gifFile) stripGPS() ([]byte, error) {
	return g.rewrite(func(blk gifBlock) bool {
		return blk.trailing || blk.app == gifXMPApp && hasGPSText(g.b[blk.start:blk.end])
	}), nil
}

// stripAll drops comments and application extensions other than the
// animation loop count and the ICC profile, and bytes after the trailer.
// The orientation is not written: GIF has none.
func (g *gifFile) stripAll(int) ([]byte, error) {
	return g.rewrite(func(blk gifBlock) bool {
		switch blk.ext {
		case 0xFE:
			return true
		case 0xFF:
			return blk.app != "NETSCAPE2.0" && blk.app != "ANIMEXTS1.0" && blk.app != gifICCApp
		}
		return blk.trailing
	}), nil
}

// icc returns the profile of an ICCRGBG1012 application extension, or nil
// when it is larger than maxICC.
func (g *gifFile) icc() ([]byte, error) {
	b := g.b
	for _, blk := range g.blocks {
		if blk.app != gifICCApp {
			continue
		}
		var icc []byte
		for pos := blk.start + 14; pos < blk.end; {
			n := int(b[pos])
			if n == 0 || pos+1+n > blk.end {
				break
			}
			icc = append(icc, b[pos+1:pos+1+n]...)
			pos += 1 + n
		}
		if len(icc) > maxICC {
			return nil, nil
		}
		return icc, nil
	}
	return nil, nil
}
