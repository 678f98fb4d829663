package heif_test

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/gen2brain/heic"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/codecs/avif"
	"github.com/blobimage/blobimage/codecs/heif"
	"github.com/blobimage/blobimage/internal/testimage"
)

var updateAV1Probe = flag.Bool("update-av1-probe", false, "rewrite av1probe.avif with codecs/avif's WebAssembly encoder")

// TestAV1Probe checks the file the system engine's AV1 probe decodes: an
// 8-bit 4:2:0 opaque AV1 image with an nclx box, which libavif (in
// WebAssembly) and avifdec both decode to the probe's picture within the
// probe's tolerance; and, where libheif loads, that the probe passes.
// With -update-av1-probe it makes the file again, and stops.
func TestAV1Probe(t *testing.T) {
	if *updateAV1Probe {
		t.Setenv(avif.EngineEnv, avif.EngineWasm)
		var buf bytes.Buffer
		if err := codecs.Encode(&buf, heif.AV1ProbePicture(), codecs.AVIF, codecs.EncodeOptions{Quality: 90}); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("av1probe.avif", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skipf("wrote av1probe.avif, %d bytes: run the test again to check it", buf.Len())
	}
	data := heif.AV1Probe()
	f, err := heif.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.Image()
	if err != nil {
		t.Fatal(err)
	}
	if m.Coding != "av01" || m.BitDepth != 8 || m.ChromaFormat != 1 || m.Alpha != 0 || m.Grid {
		t.Fatalf("probe file: %+v", m)
	}
	if _, ok := f.NCLX(); !ok {
		t.Fatal("probe file has no nclx box")
	}
	pic := heif.AV1ProbePicture()

	t.Setenv(heif.EngineEnv, heif.EngineWasm)
	img, _ := decode(t, data)
	if d := heif.MeanDiff(pic, img); d > heif.AV1ProbeTolerance {
		t.Errorf("libavif (wasm) decodes the probe %.2f levels off", d)
	}
	if d := heif.MeanDiff(pic, avifDec(t, data)); d > heif.AV1ProbeTolerance {
		t.Errorf("avifdec decodes the probe %.2f levels off", d)
	}

	if err := heic.Dynamic(); err != nil {
		if os.Getenv(testimage.RequireToolsEnv) == "1" {
			t.Fatalf("system libheif not loaded: %v", err)
		}
		t.Skipf("system libheif not loaded: %v", err)
	}
	if err := heif.AV1Works(); err != nil {
		t.Errorf("system libheif loaded, but the AV1 probe fails: %v", err)
	}
}
