package metadata_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

func TestParseRefuses(t *testing.T) {
	for _, tc := range []struct {
		f    codecs.Format
		data []byte
	}{
		{codecs.Format("tiff"), []byte("II*\x00\x08\x00\x00\x00")},
		{codecs.JPEG, nil},
		{codecs.JPEG, testimage.PNG(pattern())},
		{codecs.PNG, jpegWith()},
		{codecs.WebP, []byte("RIFX\x00\x00\x00\x00WEBP")},
	} {
		if f, err := metadata.Parse(tc.f, tc.data); err == nil || f != nil {
			t.Errorf("%s of %d bytes: %v, %v; want an error", tc.f, len(tc.data), f, err)
		}
	}
}

// TestParseGIFIsLenient checks that a GIF always parses and bytes that are
// not one are kept as they are, as StripAll always did.
func TestParseGIFIsLenient(t *testing.T) {
	data := []byte("not a GIF at all")
	f, err := metadata.Parse(codecs.GIF, data)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := f.StripAll(6); err != nil || !sameSlice(out, data) {
		t.Errorf("StripAll: %q, %v; want the input", out, err)
	}
	if m, err := f.Metadata(); err != nil || diffMeta(metadata.Metadata{}, m) != "" {
		t.Errorf("Metadata: %+v, %v", m, err)
	}
}

// TestParseDamageReportedByEachMethod checks that a file damaged after its
// metadata parses, that Metadata reports what it read with the damage, and
// that the methods needing the whole structure refuse it.
func TestParseDamageReportedByEachMethod(t *testing.T) {
	full := jpegWith(app1(fullEXIF.Bytes()), app1(xmpGPS))
	exifEnd := 2 + 4 + len(fullEXIF.Bytes())
	f, err := metadata.Parse(codecs.JPEG, full[:exifEnd+10])
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	m, err := f.Metadata()
	if err == nil {
		t.Error("Metadata: no error")
	}
	if d := diffMeta(fullMeta(), m); d != "" {
		t.Errorf("Metadata partial result (-want +got):\n%s", d)
	}
	if !bytes.Equal(f.EXIF(), tiffOf(fullEXIF.Bytes())) {
		t.Error("EXIF: not the block before the damage")
	}
	if _, err := f.ICC(); err == nil {
		t.Error("ICC: no error")
	}
	if _, err := f.StripGPS(); err == nil {
		t.Error("StripGPS: no error")
	}
	if _, err := f.StripAll(1); err == nil {
		t.Error("StripAll: no error")
	}
}

// TestFileBlocks checks EXIF and XMP: the TIFF structure and the packet
// Metadata reads, wherever each format keeps them.
func TestFileBlocks(t *testing.T) {
	tiff := tiffOf(fullEXIF.Bytes())
	xmp := xmpPacket(xmpNoGPS)
	hexProfile := fmt.Appendf(nil, "\nexif\n%8d\n%x\n", len(fullEXIF.Bytes()), fullEXIF.Bytes())
	for _, tc := range []struct {
		name      string
		f         codecs.Format
		data      []byte
		exif, xmp []byte
	}{
		{"jpeg", codecs.JPEG, jpegWith(app1(fullEXIF.Bytes()), app1(xmpNoGPS)), tiff, xmp},
		{"jpeg without", codecs.JPEG, jpegWith(), nil, nil},
		{"png eXIf and iTXt", codecs.PNG, pngWith(chunk("eXIf", tiff), iTXt("XML:com.adobe.xmp", xmp)), tiff, xmp},
		{"png raw profile", codecs.PNG, pngWith(chunk("zTXt", append([]byte("Raw profile type exif\x00\x00"), zlibBytes(hexProfile)...))), tiff, nil},
		{"png without", codecs.PNG, testimage.PNG(pattern()), nil, nil},
		{"webp", codecs.WebP, webpWith(0x0C, webpChunk("EXIF", tiff), webpChunk("XMP ", xmp)), tiff, xmp},
		{"gif", codecs.GIF, gifInsert(testimage.GIF(pattern()), gifAppExt("XMP DataXMP", xmp)), nil, nil},
	} {
		f, err := metadata.Parse(tc.f, tc.data)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := f.EXIF(); !bytes.Equal(got, tc.exif) {
			t.Errorf("%s: EXIF of %d bytes, want %d", tc.name, len(got), len(tc.exif))
		}
		if got := f.XMP(); !bytes.Equal(got, tc.xmp) {
			t.Errorf("%s: XMP of %d bytes, want %d", tc.name, len(got), len(tc.xmp))
		}
		if f.Format() != tc.f {
			t.Errorf("%s: Format %q", tc.name, f.Format())
		}
	}
}

// outcome is what every operation gives for one file.
type outcome struct {
	meta                metadata.Metadata
	metaErr             bool
	icc                 []byte
	iccErr              bool
	gps, all, trim      []byte
	gpsErr, allErr      bool
	trimErr             bool
	gpsSame, allSame    bool
	trimSame            bool
	exif, xmp           []byte
	parseErr, anyBugErr error
}

func bugOf(errs ...error) error {
	for _, err := range errs {
		if err != nil && bytes.Contains([]byte(err.Error()), []byte("internal error")) {
			return err
		}
	}
	return nil
}

// oneOff runs each operation through the one-off functions, each on a
// fresh copy of data.
func oneOff(fm codecs.Format, data []byte, orientation int) outcome {
	var o outcome
	var err1, err2, err3, err4, err5 error
	o.meta, err1 = metadata.Read(fm, bytes.Clone(data))
	o.icc, err2 = metadata.ICCProfile(fm, bytes.Clone(data))
	in := bytes.Clone(data)
	o.gps, err3 = metadata.StripGPS(fm, in)
	o.gpsSame = sameSlice(o.gps, in)
	in = bytes.Clone(data)
	o.all, err4 = metadata.StripAll(fm, in, orientation)
	o.allSame = sameSlice(o.all, in)
	in = bytes.Clone(data)
	o.trim, err5 = metadata.Trim(fm, in)
	o.trimSame = sameSlice(o.trim, in)
	o.metaErr, o.iccErr, o.gpsErr, o.allErr, o.trimErr = err1 != nil, err2 != nil, err3 != nil, err4 != nil, err5 != nil
	if f, err := metadata.Parse(fm, bytes.Clone(data)); err == nil {
		o.exif, o.xmp = f.EXIF(), f.XMP()
	}
	o.anyBugErr = bugOf(err1, err2, err3, err4, err5)
	return o
}

// parsedOnce runs every operation on one File, in the order the write
// path does not use (strips first, then the profile, then the metadata),
// so that no operation can depend on another having run before it.
func parsedOnce(fm codecs.Format, data []byte, orientation int) outcome {
	var o outcome
	f, err := metadata.Parse(fm, data)
	if err != nil {
		o.parseErr = err
		o.metaErr, o.iccErr, o.gpsErr, o.allErr, o.trimErr = true, true, true, true, true
		o.anyBugErr = bugOf(err)
		return o
	}
	var err1, err2, err3, err4, err5 error
	o.trim, err5 = f.Trim()
	o.trimSame = sameSlice(o.trim, data)
	o.all, err4 = f.StripAll(orientation)
	o.allSame = sameSlice(o.all, data)
	o.gps, err3 = f.StripGPS()
	o.gpsSame = sameSlice(o.gps, data)
	o.icc, err2 = f.ICC()
	o.meta, err1 = f.Metadata()
	o.exif, o.xmp = f.EXIF(), f.XMP()
	o.metaErr, o.iccErr, o.gpsErr, o.allErr, o.trimErr = err1 != nil, err2 != nil, err3 != nil, err4 != nil, err5 != nil
	o.anyBugErr = bugOf(err1, err2, err3, err4, err5)
	return o
}

// sameOutcome returns how a and b differ, or "".
func sameOutcome(a, b outcome) string {
	switch {
	case a.anyBugErr != nil || b.anyBugErr != nil:
		return fmt.Sprintf("internal error: %v / %v", a.anyBugErr, b.anyBugErr)
	case diffMeta(a.meta, b.meta) != "":
		return "Metadata: " + diffMeta(a.meta, b.meta)
	case a.metaErr != b.metaErr, a.iccErr != b.iccErr, a.gpsErr != b.gpsErr, a.allErr != b.allErr, a.trimErr != b.trimErr:
		return fmt.Sprintf("errors: Metadata %v/%v ICC %v/%v StripGPS %v/%v StripAll %v/%v Trim %v/%v",
			a.metaErr, b.metaErr, a.iccErr, b.iccErr, a.gpsErr, b.gpsErr, a.allErr, b.allErr, a.trimErr, b.trimErr)
	case !bytes.Equal(a.icc, b.icc) || (a.icc == nil) != (b.icc == nil):
		return "ICC differs"
	case !bytes.Equal(a.gps, b.gps) || a.gpsSame != b.gpsSame:
		return "StripGPS output differs"
	case !bytes.Equal(a.all, b.all) || a.allSame != b.allSame:
		return "StripAll output differs"
	case !bytes.Equal(a.trim, b.trim) || a.trimSame != b.trimSame:
		return "Trim output differs"
	case !bytes.Equal(a.exif, b.exif) || !bytes.Equal(a.xmp, b.xmp):
		return "EXIF or XMP differs"
	}
	return ""
}

// TestParseOnceAnswersAsOneOff checks, on every fuzz seed, that one File
// answers each operation as the one-off functions do on their own parse.
func TestParseOnceAnswersAsOneOff(t *testing.T) {
	for i, s := range fuzzSeeds() {
		for _, o := range []int{1, 6} {
			in := bytes.Clone(s.data)
			got := parsedOnce(s.f, in, o)
			if !bytes.Equal(in, s.data) {
				t.Errorf("seed %d (%s): the File's methods modified the parsed bytes", i, s.f)
			}
			if d := sameOutcome(oneOff(s.f, s.data, o), got); d != "" {
				t.Errorf("seed %d (%s), orientation %d: %s", i, s.f, o, d)
			}
		}
	}
}

// TestFileConcurrentUse runs every method of one File from several
// goroutines (meaningful under -race) and checks each gets the answer a
// lone caller gets.
func TestFileConcurrentUse(t *testing.T) {
	concurrentUse(t, codecs.PNG, pngWith(chunk("eXIf", tiffOf(fullEXIF.Bytes())), iTXt("XML:com.adobe.xmp", xmpPacket(xmpGPS))))
}

func concurrentUse(t *testing.T, fm codecs.Format, data []byte) {
	t.Helper()
	want := oneOff(fm, data, 6)
	f, err := metadata.Parse(fm, data)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 8 {
		wg.Go(func() {
			m, err := f.Metadata()
			if err != nil || diffMeta(want.meta, m) != "" {
				errs <- fmt.Errorf("Metadata: %+v, %v", m, err)
			}
			if out, err := f.StripGPS(); err != nil || !bytes.Equal(out, want.gps) {
				errs <- fmt.Errorf("StripGPS: %v", err)
			}
			if out, err := f.StripAll(6); err != nil || !bytes.Equal(out, want.all) {
				errs <- fmt.Errorf("StripAll: %v", err)
			}
			if out, err := f.Trim(); err != nil || !bytes.Equal(out, want.trim) {
				errs <- fmt.Errorf("Trim: %v", err)
			}
			if !bytes.Equal(f.XMP(), want.xmp) {
				errs <- errors.New("XMP differs")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
