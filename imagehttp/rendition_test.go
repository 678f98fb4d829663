package imagehttp_test

import (
	"context"
	"fmt"
	"image"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/imagehttp"
	"github.com/blobimage/blobimage/internal/testimage"
	"github.com/blobimage/blobimage/variants"
)

// renditionConfig: photos/** allows widths 64, 128 and 640 on demand in
// WebP (preferred) or JPEG, beside a named "small" (fit 200) and "w64ref"
// (the same 64-pixel fit as a named variant, to compare with); raw/**
// allows none.
func renditionConfig() config {
	return config{Config: variants.Config{Rules: []variants.Rule{
		{Match: "photos/**", Variants: []variants.Spec{
			{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 200, Height: 200}}},
			{Name: "w64ref", Processors: []variants.Processor{variants.Fit{Width: 64, Height: 64}}, Format: codecs.PNG},
		}, OnDemand: &variants.OnDemand{Widths: []int{64, 128, 640}, Formats: []codecs.Format{codecs.WebP, codecs.JPEG}, Quality: 90}},
		{Match: "raw/**"},
	}}}
}

// renditionKeys lists the rendition objects in the inner bucket.
func renditionKeys(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var out []string
	for _, k := range keysOf(t, b) {
		if i := strings.LastIndexByte(k, '/'); strings.HasPrefix(k, blobimage.DefaultVariantPrefix) && strings.HasPrefix(k[i+1:], "w") && !strings.HasPrefix(k[i+1:], "w64ref") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// TestRenditions drives on-demand widths through the image handler on
// memblob, fileblob and S3 (gofakes3, through s3blob): sizes, formats by Accept, pixels against a named
// variant of the same fit, 400 for widths not allowed, one object after
// concurrent first requests, then the lifecycle (read restores, overwrite,
// copy, regen, delete).
func TestRenditions(t *testing.T) {
	for _, backend := range []string{"mem", "file", "s3"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			open := map[string]func(testing.TB, config) (*blobimage.Store, *blob.Bucket){
				"mem": memStore, "file": fileStore, "s3": s3Store}[backend]
			s, inner := open(t, renditionConfig())
			srv := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{})
			put(t, s, "photos/a.jpg", photo(400, 300))
			put(t, s, "raw/b.jpg", photo(400, 300))

			fetch := func(target, accept string) (*http.Response, image.Image, codecs.Format) {
				t.Helper()
				resp, body := get(t, srv.URL+target, "Accept", accept)
				if resp.StatusCode != http.StatusOK {
					return resp, nil, ""
				}
				img, info, err := codecs.Decode(ctx, body, codecs.Limits{})
				if err != nil {
					t.Fatalf("%s: %v", target, err)
				}
				return resp, img, info.Format
			}
			for _, tc := range []struct {
				w, want int
				accept  string
				format  codecs.Format
			}{
				{64, 64, "image/webp,*/*", codecs.WebP},
				{64, 64, "image/*", codecs.JPEG},
				{128, 128, "image/avif,image/webp", codecs.WebP},
				{640, 400, "", codecs.JPEG}, // wider than the picture: its own width
			} {
				resp, img, format := fetch(fmt.Sprintf("/img/photos/a.jpg?w=%d", tc.w), tc.accept)
				if resp.StatusCode != 200 || format != tc.format || img.Bounds().Dx() != tc.want || img.Bounds().Dy() != tc.want*3/4 {
					t.Errorf("w=%d Accept %q: %d %s %v, want a %s %d wide", tc.w, tc.accept, resp.StatusCode, format, img, tc.format, tc.want)
				}
				if resp.Header.Get("Vary") != "Accept" || resp.Header.Get("ETag") == "" || resp.Header.Get("Content-Type") != tc.format.MediaType() {
					t.Errorf("w=%d: headers %v", tc.w, resp.Header)
				}
			}
			// The same fit as a named variant, by PSNR.
			_, got, _ := fetch("/img/photos/a.jpg?w=64", "image/webp")
			_, ref, _ := fetch("/img/photos/a.jpg?variant=w64ref", "*/*")
			if p := testimage.PSNR(t, ref, got, false); p < 30 {
				t.Errorf("rendition against the named variant of the same fit: %.1f dB", p)
			}
			made := renditionKeys(t, inner)
			if len(made) != 4 { // 64 in WebP and JPEG, 128 in WebP, 400 in JPEG
				t.Errorf("renditions stored: %q", made)
			}

			// Widths not allowed, and keys whose rule allows none: 400,
			// nothing made.
			for _, target := range []string{"/img/photos/a.jpg?w=65", "/img/photos/a.jpg?w=0", "/img/photos/a.jpg?w=x",
				"/img/raw/b.jpg?w=64", "/img/photos/a.jpg?w=64&variant=small"} {
				if resp, _ := get(t, srv.URL+target); resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: %d, want 400", target, resp.StatusCode)
				}
			}
			if after := renditionKeys(t, inner); !slices.Equal(after, made) {
				t.Errorf("refused requests made %q", after)
			}

			// Served from the bucket afterwards: the same object.
			r1, _ := get(t, srv.URL+"/img/photos/a.jpg?w=128", "Accept", "image/webp")
			if r2, _ := get(t, srv.URL+"/img/photos/a.jpg?w=128", "Accept", "image/webp"); r1.Header.Get("ETag") != r2.Header.Get("ETag") {
				t.Errorf("ETag changed between requests: %s, %s", r1.Header.Get("ETag"), r2.Header.Get("ETag"))
			}

			// Twenty concurrent first requests make one object.
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					resp, _ := get(t, srv.URL+"/img/photos/a.jpg?w=128", "Accept", "image/jpeg")
					if resp.StatusCode != 200 {
						t.Errorf("concurrent first request: %d", resp.StatusCode)
					}
				})
			}
			wg.Wait()
			var jpeg128 []string
			for _, k := range renditionKeys(t, inner) {
				if strings.Contains(k, "/w128-") && strings.HasSuffix(k, ".jpg") {
					jpeg128 = append(jpeg128, k)
				}
			}
			if len(jpeg128) != 1 {
				t.Errorf("after 20 concurrent first requests: %q", jpeg128)
			}

			// Deleted out of band: the next request makes it again.
			if err := inner.Delete(ctx, jpeg128[0]); err != nil {
				t.Fatal(err)
			}
			if resp, img, _ := fetch("/img/photos/a.jpg?w=128", "image/jpeg"); resp.StatusCode != 200 || img.Bounds().Dx() != 128 {
				t.Errorf("after an out-of-band delete: %d", resp.StatusCode)
			}

			// Copy: the copy has the renditions made so far.
			if err := s.Bucket.Copy(ctx, "photos/c.jpg", "photos/a.jpg", nil); err != nil {
				t.Fatal(err)
			}
			copied := 0
			for _, k := range renditionKeys(t, inner) {
				if strings.Contains(k, "/photos/c.jpg/") {
					copied++
				}
			}
			if copied != len(renditionKeys(t, inner))/2 {
				t.Errorf("the copy has %d of the renditions: %q", copied, renditionKeys(t, inner))
			}

			// Overwrite: none of the old version's renditions are left.
			before := renditionKeys(t, inner)
			put(t, s, "photos/a.jpg", photo(300, 200))
			for _, k := range renditionKeys(t, inner) {
				if slices.Contains(before, k) && strings.Contains(k, "/photos/a.jpg/") {
					t.Errorf("overwrite left %s", k)
				}
			}
			if _, img, _ := fetch("/img/photos/a.jpg?w=640", ""); img == nil || img.Bounds().Dx() != 300 {
				t.Errorf("the new version's rendition: %v", img)
			}

			// regen drops the widths the config no longer allows.
			cfg := renditionConfig()
			cfg.Rules[0].OnDemand.Widths = []int{128, 640}
			s2, err := blobimage.Wrap(inner, &cfg.Config, &cfg.Options)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s2.Reconcile(ctx, blobimage.ReconcileOptions{OrphanAge: -1}); err != nil {
				t.Fatal(err)
			}
			for _, k := range renditionKeys(t, inner) {
				if strings.Contains(k, "/w64-") {
					t.Errorf("regen left %s, a width no longer allowed", k)
				}
			}
			if !slices.ContainsFunc(renditionKeys(t, inner), func(k string) bool { return strings.Contains(k, "/photos/c.jpg/") && strings.Contains(k, "/w128-") }) {
				t.Errorf("regen dropped an allowed width: %q", renditionKeys(t, inner))
			}

			// Delete: none left.
			for _, k := range []string{"photos/a.jpg", "photos/c.jpg"} {
				if err := s.Bucket.Delete(ctx, k); err != nil {
					t.Fatal(err)
				}
			}
			if left := renditionKeys(t, inner); len(left) != 0 {
				t.Errorf("delete left %q", left)
			}
		})
	}
}

// TestRenditionMarkup: a srcset over the allowed widths asks the handler
// for each (a width wider than the picture asked as allowed, described as
// what comes), and every candidate serves an image of its descriptor's
// width.
func TestRenditionMarkup(t *testing.T) {
	s, _ := memStore(t, renditionConfig())
	srv := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{})
	f := put(t, s, "photos/a b.jpg", photo(400, 300))
	m := imagehttp.Responsive(f, imagehttp.MarkupOptions{Widths: s.Rule(f.Key).OnDemand.Widths, SrcWidth: 100})
	want := "/img/photos/a%20b.jpg?w=64 64w, /img/photos/a%20b.jpg?w=128 128w, /img/photos/a%20b.jpg?w=640 400w"
	if m.Srcset != want || m.Src != "/img/photos/a%20b.jpg?w=128" || len(m.Sources) != 0 {
		t.Fatalf("srcset %q src %q sources %v\nwant srcset %q", m.Srcset, m.Src, m.Sources, want)
	}
	for u, w := range parseSrcset(t, m.Srcset) {
		resp, body := get(t, srv.URL+u, "Accept", "image/webp")
		img, _, err := codecs.Decode(context.Background(), body, codecs.Limits{})
		if resp.StatusCode != 200 || err != nil || img.Bounds().Dx() != w {
			t.Errorf("%s: %d %v", u, resp.StatusCode, err)
		}
	}
}

// TestSignedTransforms: with a signing key, a signed URL may ask for any
// size, fitted or filled; unsigned or badly signed ones answer 403 (400
// without a key) and make nothing; a version keeps at most MaxTransforms
// of them, the oldest dropped first; they go with their version.
func TestSignedTransforms(t *testing.T) {
	ctx := context.Background()
	key := []byte("a transform signing key")
	cfg := renditionConfig()
	cfg.MaxTransforms = 3
	s, inner := memStore(t, cfg)
	srv := serve(t, s, imagehttp.ImageOptions{TransformKey: key}, imagehttp.UploadOptions{})
	plain := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{})
	put(t, s, "photos/a.jpg", photo(400, 300))
	put(t, s, "raw/b.jpg", photo(400, 300))
	transforms := func() []string { // photos/a.jpg's; raw/b.jpg's count apart
		var out []string
		for _, k := range keysOf(t, inner) {
			if strings.Contains(k, "/t-") && strings.Contains(k, "/photos/a.jpg/") {
				out = append(out, k)
			}
		}
		return out
	}

	for _, tc := range []struct {
		key  string
		tr   blobimage.Transform
		w, h int
	}{
		{"photos/a.jpg", blobimage.Transform{Width: 500}, 400, 300},                                              // never enlarged
		{"photos/a.jpg", blobimage.Transform{Width: 100, Height: 100}, 100, 75},                                  // fit
		{"photos/a.jpg", blobimage.Transform{Width: 90, Height: 30, Op: "fill", Anchor: variants.Smart}, 90, 30}, // fill
		{"raw/b.jpg", blobimage.Transform{Height: 60, Quality: 50}, 80, 60},                                      // a rule without on_demand
	} {
		u := imagehttp.TransformURL("/img/", key, tc.key, tc.tr)
		if !strings.HasSuffix(strings.SplitN(u, "&sig=", 2)[0], "") || !strings.Contains(u, "&sig=") {
			t.Fatalf("TransformURL %q", u)
		}
		resp, body := get(t, srv.URL+u, "Accept", "image/webp")
		img, info, err := codecs.Decode(ctx, body, codecs.Limits{})
		if resp.StatusCode != 200 || err != nil || img.Bounds().Dx() != tc.w || img.Bounds().Dy() != tc.h || resp.Header.Get("Vary") != "Accept" {
			t.Errorf("%s: %d %v %v", u, resp.StatusCode, err, img)
			continue
		}
		if want := codecs.WebP; tc.key == "raw/b.jpg" {
			if info.Format != codecs.JPEG {
				t.Errorf("%s: %s, want the source's family (no on_demand formats)", u, info.Format)
			}
		} else if info.Format != want {
			t.Errorf("%s: %s, want %s", u, info.Format, want)
		}
	}
	if n := len(transforms()); n != 3 {
		t.Errorf("%d transforms stored, want 3", n)
	}

	// Refusals make nothing.
	before := transforms()
	good := imagehttp.TransformURL("/img/", key, "photos/a.jpg", blobimage.Transform{Width: 77})
	for _, tc := range []struct {
		srv    string
		target string
		status int
	}{
		{srv.URL, "/img/photos/a.jpg?w=77", http.StatusForbidden},                 // not allowed, unsigned
		{srv.URL, "/img/photos/a.jpg?w=77&h=10", http.StatusForbidden},            // unsigned
		{srv.URL, strings.Replace(good, "w=77", "w=78", 1), http.StatusForbidden}, // tampered
		{srv.URL, good[:len(good)-2] + "xx", http.StatusForbidden},                // bad sig
		{srv.URL, imagehttp.TransformURL("/img/", []byte("another key"), "photos/a.jpg", blobimage.Transform{Width: 77}), http.StatusForbidden},
		{srv.URL, imagehttp.TransformURL("/img/", key, "photos/a.jpg", blobimage.Transform{Width: 99999}), http.StatusBadRequest}, // over the limits
		{srv.URL, imagehttp.TransformURL("/img/", key, "photos/a.jpg", blobimage.Transform{Width: 50, Op: "fill"}), http.StatusBadRequest},
		{plain.URL, good, http.StatusBadRequest}, // no key set
		{plain.URL, "/img/photos/a.jpg?w=77", http.StatusBadRequest},
	} {
		if resp, body := get(t, tc.srv+tc.target); resp.StatusCode != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.target, resp.StatusCode, body, tc.status)
		}
	}
	if after := transforms(); !slices.Equal(after, before) {
		t.Errorf("refused requests changed the transforms: %q → %q", before, after)
	}

	// The cap: one more drops the oldest.
	oldest, at := "", time.Time{}
	for _, k := range before {
		a, err := inner.Attributes(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if oldest == "" || a.ModTime.Before(at) {
			oldest, at = k, a.ModTime
		}
	}
	if resp, _ := get(t, srv.URL+good); resp.StatusCode != 200 {
		t.Fatalf("%s: %d", good, resp.StatusCode)
	}
	if after := transforms(); len(after) != 3 || slices.Contains(after, oldest) {
		t.Errorf("after one more: %q, want 3 without the oldest %s", after, oldest)
	}

	// regen keeps the live version's transforms; delete removes them.
	if _, err := s.Reconcile(ctx, blobimage.ReconcileOptions{OrphanAge: -1}); err != nil {
		t.Fatal(err)
	}
	if n := len(transforms()); n != 3 {
		t.Errorf("regen left %d transforms, want 3", n)
	}
	for _, k := range []string{"photos/a.jpg", "raw/b.jpg"} {
		if err := s.Bucket.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if left := transforms(); len(left) != 0 {
		t.Errorf("delete left %q", left)
	}
}

// TestRenditionBusy: first requests wait for room in the memory budget and
// then answer 503 with Retry-After, making nothing; a cached rendition is
// served without any.
func TestRenditionBusy(t *testing.T) {
	cfg := renditionConfig()
	cfg.MemoryBudget, cfg.MemoryWait = 8<<20, 20*time.Millisecond
	s, inner := memStore(t, cfg)
	srv := serve(t, s, imagehttp.ImageOptions{}, imagehttp.UploadOptions{})
	put(t, s, "photos/a.jpg", photo(400, 300))
	if resp, _ := get(t, srv.URL+"/img/photos/a.jpg?w=64", "Accept", "image/jpeg"); resp.StatusCode != 200 {
		t.Fatalf("first rendition: %d", resp.StatusCode)
	}
	before := renditionKeys(t, inner)
	release, err := s.Reserve(context.Background(), cfg.MemoryBudget) // the whole budget, held elsewhere
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{128, 640} {
		resp, _ := get(t, srv.URL+fmt.Sprintf("/img/photos/a.jpg?w=%d", w), "Accept", "image/jpeg")
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("w=%d with the budget spent: %d, Retry-After %q; want 503 with Retry-After", w, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if resp, _ := get(t, srv.URL+"/img/photos/a.jpg?w=64", "Accept", "image/jpeg"); resp.StatusCode != 200 {
		t.Errorf("a stored rendition with the budget spent: %d, want 200", resp.StatusCode)
	}
	if after := renditionKeys(t, inner); !slices.Equal(after, before) {
		t.Errorf("busy requests made %q", after)
	}
	release()
	if resp, _ := get(t, srv.URL+"/img/photos/a.jpg?w=128", "Accept", "image/jpeg"); resp.StatusCode != 200 {
		t.Errorf("after the budget is back: %d", resp.StatusCode)
	}
}
