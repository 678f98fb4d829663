package blobimage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/variants"
)

// signingBucket is a fileblob bucket whose URLSigner signs URLs to an
// httptest server that accepts signed PUTs into the same folder, as a
// bucket service would: the signature, expiry, method and content type are
// checked, and the bytes land at the signed key only.
type signingBucket struct {
	dir   string
	inner *blob.Bucket
	srv   *httptest.Server
	puts  int
	mu    sync.Mutex
}

func newSigningBucket(t testing.TB) *signingBucket {
	t.Helper()
	sb := &signingBucket{dir: t.TempDir()}
	mux := http.NewServeMux()
	sb.srv = httptest.NewServer(mux)
	t.Cleanup(sb.srv.Close)
	base, _ := url.Parse(sb.srv.URL + "/upload")
	signer := fileblob.NewURLSignerHMAC(base, []byte("test secret"))
	inner, err := fileblob.OpenBucket(sb.dir, &fileblob.Options{URLSigner: signer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inner.Close() })
	sb.inner = inner
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		key, err := signer.KeyFromURL(r.Context(), r.URL)
		q := r.URL.Query()
		if err != nil || q.Get("method") != r.Method || q.Get("contentType") != r.Header.Get("Content-Type") {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		if err := inner.Upload(r.Context(), key, r.Body, &blob.WriterOptions{ContentType: r.Header.Get("Content-Type")}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sb.mu.Lock()
		sb.puts++
		sb.mu.Unlock()
	})
	return sb
}

// upload PUTs data as a browser would: to the URL, with the headers.
func upload(t testing.TB, du *blobimage.DirectUpload, data []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(du.Method, du.URL, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range du.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// directStore wraps a signing fileblob bucket with the test config.
func directStore(t testing.TB, cfg config) (*blobimage.Store, *signingBucket) {
	t.Helper()
	sb := newSigningBucket(t)
	s, err := cfg.wrap(sb.inner)
	if err != nil {
		t.Fatal(err)
	}
	return s, sb
}

func exists(t testing.TB, b *blob.Bucket, key string) bool {
	t.Helper()
	ok, err := b.Exists(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestDirectUploadFileblob: the whole round on a real backend: sign, PUT
// the bytes over HTTP, promote; the final key is an image with its
// variants, and the staged object is gone. Promoting again says NotFound.
func TestDirectUploadFileblob(t *testing.T) {
	ctx := context.Background()
	s, sb := directStore(t, testConfig())
	du, err := s.DirectUpload(ctx, "photos/cat.jpg", &blobimage.DirectUploadOptions{ContentType: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	if du.Method != http.MethodPut || du.Headers["Content-Type"] != "image/jpeg" || du.Key != "photos/cat.jpg" ||
		du.MaxBytes != s.Config().Limits.MaxBytes || time.Until(du.Expires) < 14*time.Minute {
		t.Fatalf("DirectUpload = %+v", du)
	}
	if final, ok := s.StagedKey(du.StagingKey); !ok || final != "photos/cat.jpg" {
		t.Fatalf("StagedKey(%q) = %q, %v", du.StagingKey, final, ok)
	}
	if !strings.HasPrefix(du.StagingKey, blobimage.DefaultVariantPrefix) {
		t.Fatalf("staging key %q is outside the reserved key space", du.StagingKey)
	}
	data := patternJPEG(600, 400, nil)
	if resp := upload(t, du, data); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %s", resp.Status)
	}
	if !exists(t, sb.inner, du.StagingKey) || exists(t, sb.inner, "photos/cat.jpg") {
		t.Fatal("the PUT should have staged the bytes and nothing else")
	}
	// Staged uploads are hidden from the wrapped bucket's List.
	if ks := keys(t, s.Bucket); len(ks) != 0 {
		t.Fatalf("wrapped List shows %v", ks)
	}
	f, err := s.Promote(ctx, du.StagingKey)
	if err != nil {
		t.Fatal(err)
	}
	if f.Key != "photos/cat.jpg" || f.Width != 600 || f.Height != 400 || f.Format != "jpeg" || len(f.Variants) != 3 {
		t.Fatalf("Promote = %+v", f)
	}
	for name, v := range f.Variants {
		if v.State != blobimage.Ready || !exists(t, sb.inner, v.Key) {
			t.Errorf("variant %s (%s) not made", name, v.Key)
		}
	}
	if exists(t, sb.inner, du.StagingKey) {
		t.Error("staged object left after promotion")
	}
	if got := imageFile(t, s, "photos/cat.jpg"); got.Width != 600 {
		t.Errorf("Image after promotion: %+v", got)
	}
	_, err = s.Promote(ctx, du.StagingKey)
	if gcerrors.Code(err) != gcerrors.NotFound {
		t.Fatalf("second Promote: %v (code %v), want NotFound", err, gcerrors.Code(err))
	}
	// The origin for a page's CSP and the bucket's CORS rule; asking
	// writes nothing.
	before := snap(t, sb.inner)
	if origin, err := s.DirectUploadOrigin(ctx); err != nil || origin != sb.srv.URL {
		t.Fatalf("DirectUploadOrigin = %q, %v; want %q", origin, err, sb.srv.URL)
	}
	if diff := snapDiff(before, snap(t, sb.inner)); diff != "" {
		t.Fatalf("DirectUploadOrigin changed the bucket: %s", diff)
	}
}

// TestDirectUploadRefusals: what DirectUpload will not sign, with the
// errors and codes a handler maps to statuses.
func TestDirectUploadRefusals(t *testing.T) {
	ctx := context.Background()
	s, sb := directStore(t, testConfig())
	limit := s.Config().Limits.MaxBytes
	for _, tc := range []struct {
		name, key string
		opts      blobimage.DirectUploadOptions
		want      error
		code      gcerrors.ErrorCode
	}{
		{"no content type", "photos/a.jpg", blobimage.DirectUploadOptions{}, blobimage.ErrUnsupportedFormat, gcerrors.InvalidArgument},
		{"not an image type", "photos/a.jpg", blobimage.DirectUploadOptions{ContentType: "text/html"}, blobimage.ErrUnsupportedFormat, gcerrors.InvalidArgument},
		{"bad type", "photos/a.jpg", blobimage.DirectUploadOptions{ContentType: "image/"}, blobimage.ErrUnsupportedFormat, gcerrors.InvalidArgument},
		{"no rule", "docs/a.pdf", blobimage.DirectUploadOptions{ContentType: "image/jpeg"}, blobimage.ErrNoRule, gcerrors.InvalidArgument},
		{"reserved", blobimage.DefaultVariantPrefix + "photos/a.jpg", blobimage.DirectUploadOptions{ContentType: "image/jpeg"}, blobimage.ErrReservedKey, gcerrors.InvalidArgument},
		{"bidi", "photos/a\u202egpj.exe", blobimage.DirectUploadOptions{ContentType: "image/jpeg"}, blobimage.ErrInvalidKey, gcerrors.InvalidArgument},
		{"dot dot", "photos/../x.jpg", blobimage.DirectUploadOptions{ContentType: "image/jpeg"}, blobimage.ErrInvalidKey, gcerrors.InvalidArgument},
		{"over the limit", "photos/a.jpg", blobimage.DirectUploadOptions{ContentType: "image/jpeg", MaxBytes: limit + 1}, blobimage.ErrTooLarge, gcerrors.ResourceExhausted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			du, err := s.DirectUpload(ctx, tc.key, &tc.opts)
			if !errors.Is(err, tc.want) || gcerrors.Code(err) != tc.code {
				t.Fatalf("DirectUpload = %+v, %v (code %v); want %v, %v", du, err, gcerrors.Code(err), tc.want, tc.code)
			}
		})
	}
	// A rule's formats decide the types: avatars/* takes any readable
	// format, so PNG is fine; params are dropped from the signed type.
	du, err := s.DirectUpload(ctx, "avatars/me.png", &blobimage.DirectUploadOptions{ContentType: "image/PNG; charset=x"})
	if err != nil || du.Headers["Content-Type"] != "image/png" {
		t.Fatalf("PNG avatar: %+v, %v", du, err)
	}
	// The signature covers the content type: a PUT with another one is
	// refused by the bucket.
	du.Headers["Content-Type"] = "image/jpeg"
	if resp := upload(t, du, patternJPEG(10, 10, nil)); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("PUT with another content type: %s", resp.Status)
	}
	if sb.puts != 0 {
		t.Fatalf("%d PUTs landed", sb.puts)
	}

	// A bucket that cannot sign says so.
	ms, _ := newStore(t, testConfig())
	_, err = ms.DirectUpload(ctx, "photos/a.jpg", &blobimage.DirectUploadOptions{ContentType: "image/jpeg"})
	if !errors.Is(err, blobimage.ErrCannotSign) || gcerrors.Code(err) != gcerrors.Unimplemented {
		t.Fatalf("memblob: %v (code %v), want ErrCannotSign, Unimplemented", err, gcerrors.Code(err))
	}
	if _, err := ms.DirectUploadOrigin(ctx); !errors.Is(err, blobimage.ErrCannotSign) || gcerrors.Code(err) != gcerrors.Unimplemented {
		t.Fatalf("memblob DirectUploadOrigin: %v", err)
	}
	// The wrapper still refuses to sign PUTs to staging keys for outside
	// callers.
	du, err = s.DirectUpload(ctx, "photos/a.jpg", &blobimage.DirectUploadOptions{ContentType: "image/jpeg"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bucket.SignedURL(ctx, du.StagingKey, &blob.SignedURLOptions{Method: http.MethodPut}); !errors.Is(err, blobimage.ErrReservedKey) {
		t.Fatalf("wrapper signed a PUT to a staging key: %v", err)
	}
}

// stage signs an upload of key and PUTs data to it, returning the staging
// key.
func stage(t testing.TB, s *blobimage.Store, key string, data []byte, opts *blobimage.DirectUploadOptions) string {
	t.Helper()
	if opts == nil {
		opts = &blobimage.DirectUploadOptions{}
	}
	if opts.ContentType == "" {
		opts.ContentType = "image/jpeg"
	}
	du, err := s.DirectUpload(context.Background(), key, opts)
	if err != nil {
		t.Fatal(err)
	}
	if resp := upload(t, du, data); resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %s", resp.Status)
	}
	return du.StagingKey
}

// TestPromoteRefused: content the write path refuses is refused with its
// typed error, the staged object is removed, and the final key keeps its
// previous image, byte for byte.
func TestPromoteRefused(t *testing.T) {
	ctx := context.Background()
	s, sb := directStore(t, testConfig())
	put(t, s, "photos/a.jpg", patternJPEG(300, 200, nil))
	before := snap(t, sb.inner)
	big := patternJPEG(800, 800, nil)
	for _, tc := range []struct {
		name string
		data []byte
		opts *blobimage.DirectUploadOptions
		want error
		code gcerrors.ErrorCode
	}{
		{"not an image", []byte("<html><script>alert(1)</script></html>"), nil, blobimage.ErrNotImage, gcerrors.InvalidArgument},
		{"corrupt", patternJPEG(300, 200, nil)[:400], nil, blobimage.ErrCorrupt, gcerrors.InvalidArgument},
		{"over its MaxBytes", big, &blobimage.DirectUploadOptions{MaxBytes: int64(len(big) - 1)}, blobimage.ErrTooLarge, gcerrors.ResourceExhausted},
		{"exists", big, &blobimage.DirectUploadOptions{IfNotExist: true}, nil, gcerrors.FailedPrecondition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sk := stage(t, s, "photos/a.jpg", tc.data, tc.opts)
			_, err := s.Promote(ctx, sk)
			if (tc.want != nil && !errors.Is(err, tc.want)) || gcerrors.Code(err) != tc.code {
				t.Fatalf("Promote: %v (code %v), want %v, %v", err, gcerrors.Code(err), tc.want, tc.code)
			}
			if exists(t, sb.inner, sk) {
				t.Error("refused upload left staged")
			}
			if diff := snapDiff(before, snap(t, sb.inner)); diff != "" {
				t.Errorf("bucket changed: %s", diff)
			}
		})
	}
	if _, err := s.Promote(ctx, "photos/a.jpg"); !errors.Is(err, blobimage.ErrNotStaged) || gcerrors.Code(err) != gcerrors.InvalidArgument {
		t.Fatalf("Promote of a final key: %v", err)
	}
	// IfNotExist lets a new key through.
	f, err := s.Promote(ctx, stage(t, s, "photos/new.jpg", big, &blobimage.DirectUploadOptions{IfNotExist: true}))
	if err != nil || f.Width != 800 {
		t.Fatalf("IfNotExist to a new key: %+v, %v", f, err)
	}
}

// snapDiff describes how two snapshots differ ("" when they do not).
func snapDiff(a, b snapshot) string {
	var d []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			d = append(d, "lost "+k)
		} else if w != v {
			d = append(d, "changed "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, "added "+k)
		}
	}
	return strings.Join(d, ", ")
}

// TestPromoteConcurrent: two promotions of one staged upload at once: one
// promotes, the other finds it gone (NotFound), and the image is whole.
func TestPromoteConcurrent(t *testing.T) {
	ctx := context.Background()
	s, sb := directStore(t, testConfig())
	sk := stage(t, s, "photos/race.jpg", patternJPEG(500, 300, nil), nil)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { _, errs[i] = s.Promote(ctx, sk) })
	}
	wg.Wait()
	ok, notFound := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case gcerrors.Code(err) == gcerrors.NotFound:
			notFound++
		default:
			t.Fatalf("Promote: %v", err)
		}
	}
	if ok != 1 || notFound != 1 {
		t.Fatalf("%d promoted, %d not found; want 1 and 1", ok, notFound)
	}
	f := imageFile(t, s, "photos/race.jpg")
	for name, v := range f.Variants {
		if !exists(t, sb.inner, v.Key) {
			t.Errorf("variant %s missing", name)
		}
	}
	if exists(t, sb.inner, sk) {
		t.Error("staged object left")
	}
}

// age sets the modification time of a fileblob object.
func age(t testing.TB, dir, key string, d time.Duration) {
	t.Helper()
	when := time.Now().Add(-d)
	if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(key)), when, when); err != nil {
		t.Fatal(err)
	}
}

// TestReconcileStaged: staged uploads are never orphans nor originals;
// young ones are kept, those older than StagedAge removed and counted, and
// a Prefix limits them by final key.
func TestReconcileStaged(t *testing.T) {
	ctx := context.Background()
	s, sb := directStore(t, testConfig())
	put(t, s, "photos/kept.jpg", patternJPEG(300, 200, nil))
	// A final key shaped like a variant's tail: parsed from the right, the
	// staging key would read as a variant of "<staging folder>…/photos/a".
	tricky := stage(t, s, "photos/a/0123456789abcdef-01234567/small-00000000.jpg", patternJPEG(100, 100, nil), nil)
	young := stage(t, s, "photos/young.jpg", patternJPEG(100, 100, nil), nil)
	old := stage(t, s, "photos/old.jpg", patternJPEG(100, 100, nil), nil)
	other := stage(t, s, "avatars/old.jpg", patternJPEG(100, 100, nil), nil)
	for _, k := range []string{tricky, old, other} {
		age(t, sb.dir, k, blobimage.DefaultStagedAge+time.Hour)
	}
	before := snap(t, sb.inner)

	// Orphans of any age, staged uploads of the default age, under photos/.
	st := reconcile(t, s, blobimage.ReconcileOptions{Prefix: "photos/"})
	if st.Orphans != 0 || st.Staged != 2 || st.Scanned != 1 || st.Adopted != 0 {
		t.Fatalf("stats %+v: want 2 staged removed, no orphan, one original", st)
	}
	for k, want := range map[string]bool{tricky: false, old: false, young: true, other: true} {
		if got := exists(t, sb.inner, k); got != want {
			t.Errorf("%s exists: %v, want %v", k, got, want)
		}
	}
	delete(before, tricky)
	delete(before, old)
	if diff := snapDiff(before, snap(t, sb.inner)); diff != "" {
		t.Errorf("bucket changed beyond the stale staged uploads: %s", diff)
	}
	// A dry run counts and keeps.
	st = reconcile(t, s, blobimage.ReconcileOptions{DryRun: true, StagedAge: -1})
	if st.Staged != 2 || !exists(t, sb.inner, young) {
		t.Fatalf("dry run: %+v", st)
	}
	// Reading a staging key through the wrapper makes nothing.
	if _, err := s.Bucket.ReadAll(ctx, young); err != nil {
		t.Fatalf("read of a staged upload: %v", err)
	}
	if _, err := s.Bucket.ReadAll(ctx, tricky); gcerrors.Code(err) != gcerrors.NotFound {
		t.Fatalf("read of a removed staged upload: %v", err)
	}
	st = reconcile(t, s, blobimage.ReconcileOptions{StagedAge: -1})
	if st.Staged != 2 || exists(t, sb.inner, young) || exists(t, sb.inner, other) {
		t.Fatalf("any age: %+v", st)
	}
}

// TestStagingFolderCollision: originals whose keys look like the staging
// folder or like staging keys get ordinary variants, none of which is a
// staging key, and direct uploads of such keys promote normally.
func TestStagingFolderCollision(t *testing.T) {
	ctx := context.Background()
	cfg := config{Config: variants.Config{Rules: []variants.Rule{{Match: "**",
		Variants: []variants.Spec{{Name: "small", Processors: []variants.Processor{variants.Fit{Width: 40, Height: 40}}}}}}}}
	s, sb := directStore(t, cfg)
	tok := strings.Repeat("ab", 16) + "-1000000"
	originals := []string{"staged/" + tok + "/x.jpg", "_variantsstaged/" + tok + "/y.jpg", ".staged/" + tok + "/z.jpg"}
	for _, k := range originals {
		put(t, s, k, patternJPEG(100, 80, nil))
	}
	var sks []string
	for _, k := range originals {
		sk := stage(t, s, k, patternJPEG(90, 60, nil), nil)
		sks = append(sks, sk)
		if _, err := s.Promote(ctx, sk); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys(t, sb.inner) {
		if final, ok := s.StagedKey(k); ok {
			t.Errorf("%s left in the bucket reads as a staging key (for %q)", k, final)
		}
	}
	for _, k := range originals {
		if f := imageFile(t, s, k); f.Width != 90 || f.Variants["small"].State != blobimage.Ready {
			t.Errorf("%s: %+v", k, f)
		}
	}
	// Writing into the staging folder through the wrapper is refused.
	if err := s.Bucket.WriteAll(ctx, sks[0], patternJPEG(10, 10, nil), nil); !errors.Is(err, blobimage.ErrReservedKey) {
		t.Fatalf("write to a staging key through the wrapper: %v", err)
	}
	st := reconcile(t, s, blobimage.ReconcileOptions{StagedAge: -1})
	if st.Orphans != 0 || st.Staged != 0 || st.Unchanged != len(originals) {
		t.Fatalf("reconcile: %+v", st)
	}
}

// ExampleStore_DirectUpload: an upload straight to the bucket, then
// promoted through the write path. The bucket here is a folder whose
// signed URLs point at a small server standing in for S3.
func ExampleStore_DirectUpload() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "direct")
	defer os.RemoveAll(dir)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/put")
	signer := fileblob.NewURLSignerHMAC(base, []byte("secret"))
	bucket, _ := fileblob.OpenBucket(dir, &fileblob.Options{URLSigner: signer})
	defer bucket.Close()
	mux.HandleFunc("PUT /put", func(w http.ResponseWriter, r *http.Request) {
		key, err := signer.KeyFromURL(r.Context(), r.URL)
		if err != nil || r.Header.Get("Content-Type") != r.URL.Query().Get("contentType") {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if err := bucket.Upload(r.Context(), key, r.Body, &blob.WriterOptions{ContentType: r.Header.Get("Content-Type")}); err != nil {
			http.Error(w, "failed", http.StatusInternalServerError)
		}
	})

	images, _ := blobimage.Wrap(bucket, nil, nil)
	// The server side: sign an upload for the key the user may write.
	du, err := images.DirectUpload(ctx, "cat.jpg", &blobimage.DirectUploadOptions{ContentType: "image/jpeg"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The client: PUT the bytes with the headers given.
	req, _ := http.NewRequest(du.Method, du.URL, bytes.NewReader(patternJPEG(1200, 800, nil)))
	for k, v := range du.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	// The server again, told the upload is done (or by a notification).
	f, err := images.Promote(ctx, du.StagingKey)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Key, f.Width, f.Height, f.Variants["small"].Width)
	_, err = images.Promote(ctx, du.StagingKey)
	fmt.Println(gcerrors.Code(err))
	// Output:
	// cat.jpg 1200 800 400
	// NotFound
}

// TestAdoptPromotesStaged: a bucket notification for a direct upload's
// staged object (Adopt of the staging key, as queue.Adopter calls it)
// promotes it to its final key through the write path; the event coming
// again finds nothing to do; a refused upload is removed and reported
// with its typed error, the final key untouched.
func TestAdoptPromotesStaged(t *testing.T) {
	ctx := context.Background()
	s, sb := directStore(t, testConfig())
	staged := stage(t, s, "photos/dog.jpg", patternJPEG(640, 480, nil), &blobimage.DirectUploadOptions{ContentType: "image/jpeg"})
	out, err := s.Adopt(ctx, staged)
	if err != nil {
		t.Fatal(err)
	}
	if out.Key != "photos/dog.jpg" || !out.Promoted || out.Adopted {
		t.Fatalf("Adopt(staging key) = %+v", out)
	}
	if f := imageFile(t, s, "photos/dog.jpg"); f.Width != 640 || f.Variants["small"].State != blobimage.Ready {
		t.Fatalf("promoted image: %+v", f)
	}
	if exists(t, sb.inner, staged) {
		t.Error("staged object left after promotion by Adopt")
	}
	before := snap(t, sb.inner)
	if out, err := s.Adopt(ctx, staged); err != nil || out.Changed() {
		t.Fatalf("duplicate event: %+v, %v", out, err)
	}
	if diff := snapDiff(before, snap(t, sb.inner)); diff != "" {
		t.Fatalf("duplicate event changed the bucket: %s", diff)
	}

	bad := stage(t, s, "photos/dog.jpg", []byte("<html>not a photo</html>"), &blobimage.DirectUploadOptions{ContentType: "image/jpeg"})
	_, err = s.Adopt(ctx, bad)
	if !errors.Is(err, blobimage.ErrNotImage) {
		t.Fatalf("Adopt of a staged non-image: %v, want ErrNotImage", err)
	}
	if exists(t, sb.inner, bad) {
		t.Error("refused staged upload left behind")
	}
	if diff := snapDiff(before, snap(t, sb.inner)); diff != "" {
		t.Fatalf("refused upload changed the bucket: %s", diff)
	}
}
