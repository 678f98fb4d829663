package metadata_test

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/bep/imagemeta"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/metadata"
)

// needDjpeg returns the path of libjpeg-turbo's djpeg, skipping the test
// when it is missing (failing it when BLOBIMAGE_REQUIRE_TOOLS=1).
func needDjpeg(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("djpeg")
	if err != nil {
		if os.Getenv("BLOBIMAGE_REQUIRE_TOOLS") == "1" {
			t.Fatal("djpeg is not installed (BLOBIMAGE_REQUIRE_TOOLS=1): apt-get install libjpeg-turbo-progs")
		}
		t.Skip("djpeg is not installed (apt-get install libjpeg-turbo-progs)")
	}
	return p
}

// djpeg decodes data with djpeg to a PPM image, and reports whether it
// warned about damage (exit status 2).
func djpeg(t *testing.T, data []byte) (ppm []byte, warned bool) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(needDjpeg(t), "-ppm")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(data), &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 2 {
		return stdout.Bytes(), true
	}
	if err != nil {
		t.Fatalf("djpeg: %v\n%s", err, stderr.Bytes())
	}
	return stdout.Bytes(), false
}

// imagemetaGPS returns the GPS tags imagemeta finds reading data as a
// JPEG itself: a reader independent of this package's.
func imagemetaGPS(t *testing.T, data []byte) []string {
	t.Helper()
	tags := map[string]any{}
	_, err := imagemeta.Decode(imagemeta.Options{
		R: bytes.NewReader(data), ImageFormat: imagemeta.JPEG,
		Sources: imagemeta.EXIF | imagemeta.XMP | imagemeta.IPTC,
		HandleTag: func(ti imagemeta.TagInfo) error {
			tags[ti.Tag] = ti.Value
			return nil
		},
		Warnf: func(string, ...any) {},
	})
	if err != nil {
		t.Fatalf("imagemeta: %v", err)
	}
	return gpsTags(tags)
}

// TestStripDamagedJPEG checks that the rewrites accept every damaged file
// the decoders accept, and that what they return holds no position, is
// well formed (the bytes decoders skip are gone), carries the coded image
// byte for byte, keeps the orientation and decodes to the same pixels.
func TestStripDamagedJPEG(t *testing.T) {
	for _, tc := range damagedJPEGs(pattern(), 90) {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.data
			_, goErr := jpeg.Decode(bytes.NewReader(in))
			_, _, codecsErr := codecs.Decode(context.Background(), in, codecs.Limits{})
			if tc.goDecodes != (goErr == nil) || tc.goDecodes != (codecsErr == nil) {
				t.Fatalf("image/jpeg: %v, codecs.Decode: %v; want both to accept the file: %v", goErr, codecsErr, tc.goDecodes)
			}
			if !hasGPS(in) {
				t.Fatal("the damaged file holds no position to remove")
			}
			wantImage, _ := codedImage(tc.clean)
			m, err := metadata.Read(codecs.JPEG, in)
			noBug(t, "Read", err)
			if m.Orientation != 6 {
				t.Errorf("Read: orientation %d, want 6 (err %v)", m.Orientation, err)
			}

			f, err := metadata.Parse(codecs.JPEG, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Trim(); err != nil {
				t.Errorf("Trim: %v", err)
			}
			gps, err := f.StripGPS()
			if err != nil {
				t.Fatalf("StripGPS: %v", err)
			}
			all, err := f.StripAll(6)
			if err != nil {
				t.Fatalf("StripAll: %v", err)
			}
			for _, r := range []struct {
				op  string
				out []byte
			}{{"StripGPS", gps}, {"StripAll", all}} {
				out := r.out
				img, ok := codedImage(out)
				if !ok {
					t.Fatalf("%s: the output is not well formed", r.op)
				}
				if !bytes.Equal(img, wantImage) {
					t.Errorf("%s: the coded image changed", r.op)
				}
				if m := read(t, codecs.JPEG, out); m.GPS != nil || m.Orientation != 6 {
					t.Errorf("%s: Read: GPS %+v, orientation %d (want none, 6)", r.op, m.GPS, m.Orientation)
				}
				if g := imagemetaGPS(t, out); len(g) > 0 {
					t.Errorf("%s: imagemeta finds %v", r.op, g)
				}
				if hasGPS(out) || bytes.Contains(bytes.ToLower(headerText(out)), []byte("gps")) {
					t.Errorf("%s: GPS bytes left", r.op)
				}
				if again, err := metadata.StripGPS(codecs.JPEG, out); err != nil || !sameSlice(again, out) {
					t.Errorf("%s: a second StripGPS changes the output (err %v)", r.op, err)
				}
				if tc.goDecodes {
					samePixels(t, codecs.JPEG, in, out)
					a, _, _ := codecs.Decode(context.Background(), in, codecs.Limits{})
					b, _, err := codecs.Decode(context.Background(), out, codecs.Limits{})
					if err != nil {
						t.Fatalf("%s: codecs.Decode: %v", r.op, err)
					}
					sameImage(t, r.op+" codecs.Decode", a, b)
				}
				t.Run(r.op+" djpeg", func(t *testing.T) {
					want, _ := djpeg(t, in)
					got, warned := djpeg(t, out)
					if warned {
						t.Error("djpeg warns about the output")
					}
					if !bytes.Equal(got, want) {
						t.Error("djpeg decodes the output to other pixels")
					}
				})
			}
		})
	}
}

// TestJPEGRefusedAsDecodersRefuse checks the damage the rewrites refuse
// is damage every decoder refuses: a header segment whose length runs
// past the end of the file leaves no image to show.
func TestJPEGRefusedAsDecodersRefuse(t *testing.T) {
	clean := testimage.JPEG(pattern(), 90)
	exif := fullEXIF.Bytes()
	data := append(append(bytes.Clone(clean[:2]), rawSegment(0xE1, len(clean)+len(exif)+100, exif)...), clean[2:]...)
	if _, err := jpeg.Decode(bytes.NewReader(data)); err == nil {
		t.Error("image/jpeg accepts the file")
	}
	if _, _, err := codecs.Decode(context.Background(), data, codecs.Limits{}); err == nil {
		t.Error("codecs.Decode accepts the file")
	}
	for name, op := range map[string]func() ([]byte, error){
		"StripGPS": func() ([]byte, error) { return metadata.StripGPS(codecs.JPEG, data) },
		"StripAll": func() ([]byte, error) { return metadata.StripAll(codecs.JPEG, data, 0) },
		"Trim":     func() ([]byte, error) { return metadata.Trim(codecs.JPEG, data) },
	} {
		if _, err := op(); err == nil || !strings.Contains(err.Error(), "runs past the end") {
			t.Errorf("%s: err %v, want the length running past the end", name, err)
		}
	}
	t.Run("djpeg", func(t *testing.T) {
		if err := exec.Command(needDjpeg(t), "-outfile", os.DevNull, writeFile(t, t.TempDir(), "in.jpg", data)).Run(); err == nil {
			t.Error("djpeg accepts the file")
		}
	})
}

// TestICCDamaged checks that bytes to skip after an ICC segment do not
// hide an intact profile, and that a profile cut by a length too short is
// an error (which the write path takes as no profile), not a panic.
func TestICCDamaged(t *testing.T) {
	icc := testimage.ICC("Display P3")
	clean := testimage.JPEG(pattern(), 90)
	payload := append(append([]byte("ICC_PROFILE\x00"), 1, 1), icc...)
	with := func(segment []byte) []byte {
		return append(append(bytes.Clone(clean[:2]), segment...), clean[2:]...)
	}
	intact := with(append(seg(0xE2, payload), "junk"...))
	got, err := metadata.ICCProfile(codecs.JPEG, intact)
	if err != nil || !bytes.Equal(got, icc) {
		t.Errorf("ICC followed by junk: %d bytes, %v; want the profile", len(got), err)
	}
	cut := with(rawSegment(0xE2, len(payload)+2-30, payload))
	got, err = metadata.ICCProfile(codecs.JPEG, cut)
	noBug(t, "ICCProfile", err)
	if err == nil || got != nil {
		t.Errorf("ICC cut short: %d bytes, err %v; want an error", len(got), err)
	}
	for _, data := range [][]byte{intact, cut} {
		out, err := metadata.StripAll(codecs.JPEG, data, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(out, payload[:len(payload)-30]) {
			t.Error("StripAll dropped the ICC segment")
		}
		samePixels(t, codecs.JPEG, data, out)
	}
}
