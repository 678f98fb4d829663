package main

// serve's direct uploads: when the bucket can sign PUT URLs, the upload
// page's script PUTs each file straight to the bucket and then asks serve
// to promote it (imagehttp.DirectUploads). A file:// bucket cannot sign on
// its own, so serve gives fileblob a signer whose URLs point back at serve
// itself (PUT /direct/put), where the signature is checked and the bytes
// are written to the staging key, and nowhere else.

import (
	"context"
	"crypto/rand"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/imagehttp"
)

//go:embed serve/upload.js
var uploadScript []byte

// serveScript sends the gallery's upload script.
func serveScript(w http.ResponseWriter, _ *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/javascript; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	_, _ = w.Write(uploadScript)
}

// directPutPath is where serve accepts the PUTs its fileblob signer signs.
const directPutPath = "/direct/put"

// putSigner is the fileblob URLSigner serve gives a file:// bucket: HMAC
// URLs (fileblob.URLSignerHMAC) under directPutPath, relative so that they
// reach serve by whatever name the page was loaded, with a key drawn for
// each process (a restart ends the URLs it handed out, which live 15
// minutes anyway). It signs PUTs to staging keys only: other URLs (GETs of
// originals and variants, which serve does not answer at that path) are
// refused as unimplemented, as fileblob without a signer refuses them, so
// ImageFiles carry no URLs, as before.
type putSigner struct {
	hmac     *fileblob.URLSignerHMAC
	isStaged func(key string) bool // set once the Store is open
}

func newPutSigner() *putSigner {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails.
	return &putSigner{hmac: fileblob.NewURLSignerHMAC(&url.URL{Path: directPutPath}, secret)}
}

// errUnsigned is an error carrying gocloud's Unimplemented code, which
// blobimage reads as "this bucket cannot sign". gocloud makes coded
// errors in an internal package; the one way to get one is from a bucket,
// and memblob cannot sign.
var errUnsigned = func() error {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	_, err := b.SignedURL(context.Background(), "x", nil)
	return err
}()

func (p *putSigner) URLFromKey(ctx context.Context, key string, opts *driver.SignedURLOptions) (*url.URL, error) {
	if opts.Method != http.MethodPut || p.isStaged == nil || !p.isStaged(key) {
		return nil, fmt.Errorf("serve signs uploads to staging keys only: %w", errUnsigned)
	}
	return p.hmac.URLFromKey(ctx, key, opts)
}

func (p *putSigner) KeyFromURL(ctx context.Context, u *url.URL) (string, error) {
	return p.hmac.KeyFromURL(ctx, u)
}

// useFileSigner reports whether serve should sign for bucketURL: a file://
// bucket (blobimage+file:// too) that was not given its own signer
// (base_url and secret_key_path).
func useFileSigner(bucketURL string) bool {
	if bucketURL == "" {
		return true // the default folder
	}
	u, err := url.Parse(bucketURL)
	if err != nil {
		return false
	}
	scheme := strings.TrimPrefix(u.Scheme, strings.TrimSuffix(blobimage.SchemePrefix, "://"))
	return scheme == fileblob.Scheme && !u.Query().Has("base_url") && !u.Query().Has("secret_key_path")
}

// fileMux is a URL mux whose file:// opener gives buckets signer.
func fileMux(signer fileblob.URLSigner) *blob.URLMux {
	mux := new(blob.URLMux)
	mux.RegisterBucket(fileblob.Scheme, &fileblob.URLOpener{Options: fileblob.Options{URLSigner: signer}})
	return mux
}

// directPut accepts a PUT that serve's signer signed: the signature and
// expiry (KeyFromURL), the method and the content type it was signed for
// (which KeyFromURL leaves to the caller), and a staging key. The body is
// bounded by max_bytes and goes to the inner bucket's staging key; the
// image is checked when it is promoted.
func (h *server) directPut(w http.ResponseWriter, r *http.Request) {
	forbidden := func(why string) {
		h.fail(w, r, fmt.Errorf("%w: %s", imagehttp.ErrForbidden, why))
	}
	key, err := h.signer.KeyFromURL(r.Context(), r.URL)
	q := r.URL.Query()
	switch {
	case err != nil:
		forbidden("the upload URL is not valid (expired, or not signed by this server)")
		return
	case q.Get("method") != r.Method:
		forbidden("the upload URL was signed for " + q.Get("method"))
		return
	case q.Get("contentType") != r.Header.Get("Content-Type"):
		forbidden(fmt.Sprintf("the upload URL was signed for Content-Type %q", q.Get("contentType")))
		return
	}
	if _, ok := h.s.StagedKey(key); !ok {
		forbidden("not a staging key")
		return
	}
	if h.maxBytes > 0 {
		if r.ContentLength > h.maxBytes {
			h.fail(w, r, &http.MaxBytesError{Limit: h.maxBytes})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, h.maxBytes)
	}
	err = h.s.Inner().Upload(r.Context(), key, r.Body, &blob.WriterOptions{ContentType: q.Get("contentType")})
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		// The partial object, if the backend left one, is removed by
		// regen with the other stale staged uploads.
		h.fail(w, r, mbe)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
