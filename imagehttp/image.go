package imagehttp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
)

// ImageOptions tune the image handler.
type ImageOptions struct {
	// Signer checks signed URLs (see Signer). A request with a valid
	// signature may name any object of the Store, variant keys included,
	// as blobimage's own URLs do; a request with a bad or expired one is
	// refused (403).
	Signer *Signer
	// RequireSignature refuses requests without a valid signature (403):
	// for images that only the application hands out.
	RequireSignature bool
	// CacheControl is sent with images; "" means the Store's config
	// (cache_control), else "no-cache".
	CacheControl string
	// MaxRanges bounds the ranges of a Range request, after overlapping
	// and adjacent ones are merged; a request with more gets the whole
	// object. 0 means DefaultMaxRanges.
	MaxRanges int
	// TransformKey, when set, lets URLs signed with it ask for any
	// transform within the limits (see TransformURL); without it only
	// the widths a rule's on_demand allows can be asked for (?w=W).
	TransformKey []byte
	// Logger receives server errors (5xx); nil logs nothing.
	Logger *slog.Logger
}

// DefaultMaxRanges is ImageOptions.MaxRanges's default.
const DefaultMaxRanges = 4

// imageCSP keeps an image opened on its own from ever running as a page.
const imageCSP = "default-src 'none'; sandbox"

// NewImageHandler returns a handler serving the images of s (GET and HEAD):
// the original at the key its route names (the {key...} wildcard, else
// ?key=), or with ?variant=NAME one of its variants, in the first of the
// variant's formats that the Accept header names (?format=F asks for one).
// A pending variant is made on its first read. See the package
// documentation for the headers it sends.
func NewImageHandler(s *blobimage.Store, o ImageOptions) http.Handler {
	h := &imageHandler{s: s, o: o, prefix: s.Options().VariantPrefix, log: o.Logger}
	if h.prefix == "" {
		h.prefix = blobimage.DefaultVariantPrefix
	}
	if h.o.CacheControl == "" {
		h.o.CacheControl = s.Config().CacheControl
	}
	if h.o.CacheControl == "" {
		h.o.CacheControl = "no-cache"
	}
	if h.o.MaxRanges <= 0 {
		h.o.MaxRanges = DefaultMaxRanges
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	return h
}

type imageHandler struct {
	s      *blobimage.Store
	o      ImageOptions
	prefix string
	log    *slog.Logger
}

func (h *imageHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, r, fmt.Errorf("%w: %s", errMethod, r.Method))
		return
	}
	q := r.URL.Query()
	if asksTransform(q) {
		key := RequestKey(r)
		if key == "" || strings.HasPrefix(key, h.prefix) || q.Has("variant") {
			h.fail(w, r, fmt.Errorf("%w: a transform is of an original, without variant", ErrBadRequest))
			return
		}
		h.serveTransform(w, r, key, q)
		return
	}
	signed := false
	if h.o.Signer != nil && Signed(r) {
		if err := h.o.Signer.Verify(r); err != nil {
			h.fail(w, r, err)
			return
		}
		signed = true
	}
	if h.o.RequireSignature && !signed {
		h.fail(w, r, errNoSignature)
		return
	}
	key := RequestKey(r)
	if key == "" {
		h.fail(w, r, fmt.Errorf("%w: no key", ErrBadRequest))
		return
	}
	obj, contentType := "", ""
	if strings.HasPrefix(key, h.prefix) {
		// A variant object, by its own key: only through a signed URL
		// (blobimage's own URLs), since variant keys are the Store's
		// business.
		if !signed {
			h.fail(w, r, fmt.Errorf("%w: %q: keys under %q hold variants; ask for the original with ?variant=NAME", blobimage.ErrReservedKey, key, h.prefix))
			return
		}
		obj = key
	} else {
		f, err := h.s.Image(r.Context(), key)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		obj, contentType = f.Key, f.ContentType
		if ws := q.Get("w"); ws != "" {
			// An on-demand width (the rule's on_demand): made on the
			// first request and stored, then served from the bucket.
			width, err := strconv.Atoi(ws)
			if err != nil || width <= 0 || q.Has("variant") {
				h.fail(w, r, fmt.Errorf("%w: w=%q: a positive width, and no variant", ErrBadRequest, ws))
				return
			}
			e, err := h.s.Rendition(r.Context(), f.Key, width, r.Header.Get("Accept"))
			if errors.Is(err, blobimage.ErrWidthNotAllowed) && len(h.o.TransformKey) > 0 {
				// Another width needs a signed transform URL.
				err = fmt.Errorf("%w (w=%d is not an allowed width)", errNoSignature, width)
			}
			if err != nil {
				h.fail(w, r, err)
				return
			}
			w.Header().Set("Vary", "Accept")
			h.serve(w, r, e.Key, e.ContentType)
			return
		}
		if name := q.Get("variant"); name != "" && name != "original" {
			v, ok := f.Variants[name]
			if !ok {
				h.fail(w, r, fmt.Errorf("%q: %w %q", f.Key, blobimage.ErrNoVariant, name))
				return
			}
			e := v.Negotiate(r.Header.Get("Accept"))
			if fq := q.Get("format"); fq != "" {
				if e, ok = v.Encoding(codecs.Format(fq)); !ok {
					h.fail(w, r, fmt.Errorf("%q: %w %q in %s", f.Key, blobimage.ErrNoVariant, name, fq))
					return
				}
			}
			obj, contentType = e.Key, e.ContentType
		}
	}
	w.Header().Set("Vary", "Accept")
	h.serve(w, r, obj, contentType)
}

// serve streams the object at key. Reading through the wrapped bucket
// makes a pending variant first.
func (h *imageHandler) serve(w http.ResponseWriter, r *http.Request, key, contentType string) {
	ctx := r.Context()
	a, err := h.s.Bucket.Attributes(ctx, key)
	if err != nil && !strings.HasPrefix(key, h.prefix) {
		h.fail(w, r, err)
		return
	}
	rd, err := h.s.Bucket.NewReader(ctx, key, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer rd.Close()
	if a == nil { // a variant made by this read
		if a, err = h.s.Bucket.Attributes(ctx, key); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if contentType == "" {
		contentType = rd.ContentType()
	}
	if !strings.HasPrefix(contentType, "image/") {
		h.fail(w, r, fmt.Errorf("%w: %q is not an image", ErrNotFound, key))
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", imageCSP)
	hd.Set("Cache-Control", h.o.CacheControl)
	if etag := a.ETag; etag != "" {
		if !strings.HasPrefix(etag, `"`) && !strings.HasPrefix(etag, `W/"`) {
			etag = strconv.Quote(etag)
		}
		hd.Set("ETag", etag)
	}
	limitRanges(r, a.Size, h.o.MaxRanges)
	http.ServeContent(w, r, "", rd.ModTime(), rd)
}

// fail answers with err and logs server errors.
func (h *imageHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if Status(err) >= 500 {
		h.log.ErrorContext(r.Context(), "imagehttp: image", "method", r.Method, "uri", r.URL.RequestURI(), "err", err)
	}
	Error(w, r, err)
}

// RequestKey returns the key a request names: the {key...} wildcard of
// its route when it has one, else the key query parameter.
func RequestKey(r *http.Request) string {
	if k := r.PathValue("key"); k != "" {
		return k
	}
	return r.URL.Query().Get("key")
}
