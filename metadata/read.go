package metadata

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bep/imagemeta"
)

// Bounds on what is handed to imagemeta. EXIF is read up to 64 KiB, the
// most a JPEG APP1 segment holds (PNG and WebP EXIF copy that convention);
// XMP up to 256 KiB (XML decoding runs at a few MB/s; a standard JPEG XMP
// packet is under 64 KiB). Within a block imagemeta bounds the tags handled and the
// size of each value, and follows each kind of IFD pointer once; the value
// size also caps a SubIFD array at 64 directories, which bounds the entries
// imagemeta may walk without handling them (about 64 × 5,000 in 64 KiB,
// tens of milliseconds).
const (
	maxEXIFRead  = 64 << 10
	maxXMPRead   = 256 << 10
	maxTagSize   = 256 // bytes of one EXIF value
	maxEXIFTags  = 2000
	maxXMPTags   = 100000
	maxTextBytes = 128
)

// readSources decodes the EXIF and XMP blocks of src, EXIF first, XMP
// filling what EXIF lacks. srcErr is the damage met while locating them;
// it is reported with the problems of each block.
func readSources(src sources, srcErr error) (Metadata, error) {
	var errs []error
	if srcErr != nil {
		errs = append(errs, srcErr)
	}
	ts := &tagSet{exif: map[string]exifTag{}, xmp: map[string]any{}}
	if exif := src.exif; len(exif) > 0 {
		if err := checkTIFF(exif); err != nil {
			errs = append(errs, fmt.Errorf("metadata: EXIF: %w", err))
		}
		if len(exif) > maxEXIFRead {
			errs = append(errs, fmt.Errorf("metadata: EXIF block of %d bytes; only the first %d were read", len(exif), maxEXIFRead))
			exif = exif[:maxEXIFRead]
		}
		if err := decodeBlock(imagemeta.EXIF, exif, ts); err != nil {
			errs = append(errs, err)
		}
	}
	if xmp := src.xmp; len(xmp) > 0 {
		if len(xmp) > maxXMPRead {
			errs = append(errs, fmt.Errorf("metadata: XMP packet of %d bytes not read (limit %d)", len(xmp), maxXMPRead))
		} else if err := decodeBlock(imagemeta.XMP, xmp, ts); err != nil {
			errs = append(errs, err)
		}
	}
	return ts.metadata(), errors.Join(errs...)
}

// decodeBlock runs imagemeta over one block. imagemeta reads containers,
// not bare blocks, so the block is wrapped in a minimal WebP container (a
// RIFF with one EXIF or XMP chunk), the one container whose chunks hold
// either block as is and whose sizes are 32 bits. A panic is returned as
// an error.
func decodeBlock(source imagemeta.Source, block []byte, ts *tagSet) (err error) {
	name, id, limit := "EXIF", "EXIF", uint32(maxEXIFTags)
	if source == imagemeta.XMP {
		name, id, limit = "XMP", "XMP ", maxXMPTags
	}
	container, err := webpBuild([][]byte{riffChunkBytes(id, block)})
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("metadata: %s: decoder panic: %v", name, r)
		}
	}()
	_, err = imagemeta.Decode(imagemeta.Options{
		R:               bytes.NewReader(container),
		ImageFormat:     imagemeta.WebP,
		Sources:         source,
		ShouldHandleTag: ts.want,
		HandleTag:       ts.add,
		Warnf:           func(string, ...any) {},
		LimitNumTags:    limit,
		LimitTagSize:    maxTagSize,
	})
	if err != nil {
		return fmt.Errorf("metadata: %s: %w", name, err)
	}
	return nil
}

// exifTag is an EXIF value and the depth of the IFD it came from (IFD0 is
// 0, the Exif and GPS IFDs 1), so the shallowest copy of a tag wins.
type exifTag struct {
	v     any
	depth int
}

type tagSet struct {
	exif map[string]exifTag
	xmp  map[string]any
}

// The tags Read uses, by imagemeta's names: EXIF (DateTime is ModifyDate;
// ISO is ISOSpeedRatings, later PhotographicSensitivity) and XMP local
// names, whatever their namespace.
var (
	exifWanted = map[string]bool{
		"Orientation": true, "Make": true, "Model": true, "LensModel": true,
		"DateTimeOriginal": true, "OffsetTimeOriginal": true, "ModifyDate": true, "OffsetTime": true,
		"ExposureTime": true, "FNumber": true, "FocalLength": true, "ISO": true,
	}
	gpsWanted = map[string]bool{
		"GPSLatitude": true, "GPSLatitudeRef": true, "GPSLongitude": true, "GPSLongitudeRef": true,
		"GPSAltitude": true, "GPSAltitudeRef": true,
	}
	xmpWanted = map[string]bool{
		"Orientation": true, "Make": true, "Model": true, "LensModel": true, "Lens": true,
		"DateTimeOriginal": true, "CreateDate": true,
		"ExposureTime": true, "FNumber": true, "FocalLength": true,
		"ISOSpeedRatings": true, "PhotographicSensitivity": true,
		"GPSLatitude": true, "GPSLongitude": true, "GPSAltitude": true, "GPSAltitudeRef": true,
	}
)

// want selects tags: EXIF ones from IFD0 and the IFDs it links (never the
// thumbnail's IFD1), GPS tags only from a GPS IFD (imagemeta names tag IDs
// 0–31 as GPS tags wherever they occur).
func (ts *tagSet) want(ti imagemeta.TagInfo) bool {
	switch ti.Source {
	case imagemeta.EXIF:
		if ti.Namespace != "IFD0" && !strings.HasPrefix(ti.Namespace, "IFD0/") {
			return false
		}
		inGPS := strings.HasSuffix(ti.Namespace, "/GPSInfoIFD")
		if gpsWanted[ti.Tag] {
			return inGPS
		}
		return exifWanted[ti.Tag] && !inGPS && !strings.HasSuffix(ti.Namespace, "/InteroperabilityIFD")
	case imagemeta.XMP:
		return xmpWanted[ti.Tag]
	}
	return false
}

func (ts *tagSet) add(ti imagemeta.TagInfo) error {
	switch ti.Source {
	case imagemeta.EXIF:
		d := strings.Count(ti.Namespace, "/")
		if old, ok := ts.exif[ti.Tag]; ok && old.depth <= d {
			return nil
		}
		ts.exif[ti.Tag] = exifTag{ti.Value, d}
	case imagemeta.XMP:
		if _, ok := ts.xmp[ti.Tag]; !ok {
			ts.xmp[ti.Tag] = ti.Value
		}
	}
	return nil
}

// values returns the EXIF value of exifName, if any, then the XMP values of
// xmpNames: the candidates for a field, best first.
func (ts *tagSet) values(exifName string, xmpNames ...string) []any {
	var vs []any
	if t, ok := ts.exif[exifName]; ok {
		vs = append(vs, t.v)
	}
	for _, n := range xmpNames {
		if v, ok := ts.xmp[n]; ok {
			vs = append(vs, v)
		}
	}
	return vs
}

func (ts *tagSet) metadata() Metadata {
	var m Metadata
	m.Taken = ts.taken()
	m.Make = firstText(ts.values("Make", "Make"))
	m.Model = firstText(ts.values("Model", "Model"))
	m.Lens = firstText(ts.values("LensModel", "LensModel", "Lens"))
	for _, v := range ts.values("Orientation", "Orientation") {
		if o, ok := asInt(v); ok && o >= 1 && o <= 8 {
			m.Orientation = int(o)
			break
		}
	}
	m.ExposureTime = firstPositive(ts.values("ExposureTime", "ExposureTime"))
	m.FNumber = firstPositive(ts.values("FNumber", "FNumber"))
	m.FocalLength = firstPositive(ts.values("FocalLength", "FocalLength"))
	for _, v := range ts.values("ISO", "ISOSpeedRatings", "PhotographicSensitivity") {
		if iso, ok := asInt(v); ok && iso > 0 && iso <= math.MaxInt32 {
			m.ISO = int(iso)
			break
		}
	}
	m.GPS = ts.gps()
	return m
}

// gps returns the EXIF position, else the XMP one, with the altitude of
// either.
func (ts *tagSet) gps() *GPS {
	var g *GPS
	exifCoord := func(name string, negRef string) (float64, bool) {
		t, ok := ts.exif[name]
		if !ok {
			return 0, false
		}
		f, ok := asFloat(t.v)
		if !ok {
			return 0, false
		}
		if ref, ok := asString(ts.exif[name+"Ref"].v); ok && strings.EqualFold(strings.TrimSpace(ref), negRef) {
			f = -math.Abs(f)
		}
		return f, true
	}
	lat, okLat := exifCoord("GPSLatitude", "S")
	lon, okLon := exifCoord("GPSLongitude", "W")
	if okLat && okLon && validLatLon(lat, lon) {
		g = &GPS{Lat: lat, Lon: lon}
	} else {
		lat, okLat := asFloat(ts.xmp["GPSLatitude"])
		lon, okLon := asFloat(ts.xmp["GPSLongitude"])
		if okLat && okLon && validLatLon(lat, lon) {
			g = &GPS{Lat: lat, Lon: lon}
		}
	}
	if g == nil {
		return nil
	}
	alt := func(v, ref any, present bool) bool {
		if !present {
			return false
		}
		a, ok := asFloat(v)
		if !ok || math.IsNaN(a) || math.IsInf(a, 0) {
			return false
		}
		if r, ok := asInt(ref); ok && r == 1 {
			a = -math.Abs(a)
		}
		if a < minAltitude || a > maxAltitude {
			return false
		}
		g.Alt = &a
		return true
	}
	t, ok := ts.exif["GPSAltitude"]
	if !alt(t.v, ts.exif["GPSAltitudeRef"].v, ok) {
		v, ok := ts.xmp["GPSAltitude"]
		alt(v, ts.xmp["GPSAltitudeRef"], ok)
	}
	return g
}

// Altitudes beyond these (metres) are dropped: below the deepest ocean
// trench or above the edge of space.
const (
	minAltitude = -11000
	maxAltitude = 100000
)

func validLatLon(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && math.Abs(lat) <= 90 && math.Abs(lon) <= 180
}

// taken returns DateTimeOriginal with OffsetTimeOriginal, else DateTime
// with OffsetTime, else the XMP DateTimeOriginal or CreateDate, skipping
// values that do not parse or fall outside 1800–2200.
func (ts *tagSet) taken() time.Time {
	for _, p := range [][2]string{{"DateTimeOriginal", "OffsetTimeOriginal"}, {"ModifyDate", "OffsetTime"}} {
		s, ok := asString(ts.exif[p[0]].v)
		if !ok {
			continue
		}
		loc := time.UTC
		if o, ok := asString(ts.exif[p[1]].v); ok {
			if z, ok := parseOffset(o); ok {
				loc = z
			}
		}
		if t, ok := parseEXIFDate(s, loc); ok {
			return t
		}
	}
	for _, name := range []string{"DateTimeOriginal", "CreateDate"} {
		if s, ok := asString(ts.xmp[name]); ok {
			if t, ok := parseXMPDate(s); ok {
				return t
			}
		}
	}
	return time.Time{}
}

func validDate(t time.Time) bool {
	return t.Year() >= 1800 && t.Year() <= 2200
}

func parseEXIFDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.Trim(s, " \x00")
	for _, layout := range []string{"2006:01:02 15:04:05", "2006-01-02 15:04:05", "2006:01:02T15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, validDate(t)
		}
	}
	return time.Time{}, false
}

// parseOffset parses an EXIF offset, "+02:00" or "-05:30".
func parseOffset(s string) (*time.Location, bool) {
	s = strings.Trim(s, " \x00")
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return nil, false
	}
	for _, i := range []int{1, 2, 4, 5} {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
	}
	h := int(s[1]-'0')*10 + int(s[2]-'0')
	m := int(s[4]-'0')*10 + int(s[5]-'0')
	if h > 14 || m > 59 {
		return nil, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return time.FixedZone("", off), true
}

// parseXMPDate parses an XMP (ISO 8601) date; without a zone it is taken
// as UTC.
func parseXMPDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			if _, off := t.Zone(); t.Location() != time.UTC {
				t = t.In(time.FixedZone("", off))
			}
			return t, validDate(t)
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02", "2006:01:02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, validDate(t)
		}
	}
	return time.Time{}, false
}

// firstText returns the first candidate that is non-empty text once
// cleaned.
func firstText(vs []any) string {
	for _, v := range vs {
		if s, ok := asString(v); ok {
			if s = cleanText(s); s != "" {
				return s
			}
		}
	}
	return ""
}

// cleanText makes s valid UTF-8 without control characters, trims spaces
// and NULs and caps it at maxTextBytes.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case !unicode.IsGraphic(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	s = strings.TrimSpace(s)
	if len(s) > maxTextBytes {
		i := maxTextBytes
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// firstPositive returns the first candidate that is a finite positive
// number.
func firstPositive(vs []any) float64 {
	for _, v := range vs {
		if f, ok := asFloat(v); ok && f > 0 && !math.IsInf(f, 0) {
			return f
		}
	}
	return 0
}

// float64er is imagemeta's rational (Rat[uint32], Rat[int32]).
type float64er interface{ Float64() float64 }

// asFloat converts an imagemeta value (a rational, a number, or text such
// as "1/250" or "2.8"; the first of a list) to a finite float64.
func asFloat(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64er:
		f = x.Float64()
	case float64:
		f = x
	case float32:
		f = float64(x)
	case string:
		var ok bool
		if f, ok = parseNumber(x); !ok {
			return 0, false
		}
	case []any:
		if len(x) == 0 {
			return 0, false
		}
		return asFloat(x[0])
	case []string:
		if len(x) == 0 {
			return 0, false
		}
		return asFloat(x[0])
	default:
		i, ok := asInt(v)
		if !ok {
			return 0, false
		}
		f = float64(i)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseNumber parses "n/d" or a decimal number.
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if n, d, ok := strings.Cut(s, "/"); ok {
		nf, err1 := strconv.ParseFloat(strings.TrimSpace(n), 64)
		df, err2 := strconv.ParseFloat(strings.TrimSpace(d), 64)
		if err1 != nil || err2 != nil || df == 0 {
			return 0, false
		}
		return nf / df, true
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// asInt converts an imagemeta integer value (or decimal text; the first of
// a list) to an int64.
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int:
		return int64(x), true
	case int64:
		return x, true
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return i, err == nil
	case []any:
		if len(x) == 0 {
			return 0, false
		}
		return asInt(x[0])
	case []string:
		if len(x) == 0 {
			return 0, false
		}
		return asInt(x[0])
	}
	return 0, false
}

// asString returns text values (the first of a list).
func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(bytes.Trim(x, "\x00")), true
	case []string:
		if len(x) == 0 {
			return "", false
		}
		return x[0], true
	}
	return "", false
}
