package main

// serve: an upload page, a gallery and image URLs over HTTP.

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log"
	"maps"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
)

// cmdServe serves the bucket over HTTP until the context is cancelled
// (SIGINT), then shuts down gracefully: requests in flight get
// shutdownTimeout to finish, and background jobs queued in-process are
// drained before the command returns.
//
// Routes (keys are the rest of the path, each segment escaped; a key that
// is not a clean path, with an empty, "." or ".." segment, goes in ?key=
// instead, e.g. /info/?key=a//b.jpg):
//
//	GET  /                    the gallery: originals a page at a time (?prefix=P,
//	                          ?page=TOKEN from the "next page" link), each with a
//	                          thumbnail from its smallest ready variant, and the
//	                          upload form
//	POST /upload              multipart/form-data: one or more "file" parts, an
//	                          optional "prefix" (a folder) and "key" (one file's key
//	                          in that folder; ending in / a subfolder). Each file
//	                          goes through the Store's write path as `put` does.
//	                          All stored: 303 to /info/KEY (one file) or to the
//	                          gallery; any refused: the results page with the
//	                          first refusal's status (415 not an image or an
//	                          unsupported format, 413 over a limit, 400 otherwise).
//	                          The body is limited to max_bytes plus uploadSlack.
//	GET  /info/{key...}       the image's page: format, dimensions, metadata and
//	                          every variant with its state and link
//	GET  /api/info/{key...}   the ImageFile JSON, as `blobimage info` prints it
//	GET  /img/{key...}        the original's bytes; ?variant=NAME a variant's, in
//	                          the first of its formats the Accept header names
//	                          (blobimage.Variant.Negotiate; always with Vary:
//	                          Accept). A pending variant is made on the spot (the library's
//	                          read path). Range and conditional requests (ETag,
//	                          Last-Modified) are answered; Cache-Control is
//	                          no-cache, since the key may be overwritten.
//	POST /delete/{key...}     delete the original with its variants; 303 to /
//
// Errors are pages (JSON objects under /api/) with the status of the typed
// error: 404 for a missing key, variant or an object that is not a
// blobimage original, 400 for a reserved key (the variant key space),
// 415/413/400 for refused uploads. POSTs from other origins are refused
// (http.CrossOriginProtection). Only image originals and their variants
// are served, always with the content type blobimage sniffed and
// X-Content-Type-Options: nosniff.
func cmdServe(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("serve")
	addr := fs.String("addr", ":8080", "listen `address`, host:port (port 0 picks a free one)")
	rest, err := e.parse(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(rest) > 0 {
		e.fail("serve: unexpected arguments %q", rest)
		return exitUsage
	}
	// The Store outlives the signal: an in-process job queue is drained by
	// closeStore after the server stops, not abandoned mid-job.
	s, closeStore, err := e.open(context.WithoutCancel(ctx))
	if err != nil {
		e.fail("%v", err)
		return exitFail
	}
	defer closeStore()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		e.fail("serve: %v", err)
		return exitFail
	}
	logger := log.New(e.stderr, "blobimage serve: ", log.LstdFlags)
	srv := &http.Server{
		Handler:           serveHandler(s, serveOptions{Log: logger}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          logger,
	}
	fmt.Fprintf(e.stderr, "serving %s\n", displayURL(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		e.fail("serve: %v", err)
		return exitFail
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	status := exitOK
	if err := srv.Shutdown(sctx); err != nil {
		e.fail("serve: shutdown: %v", err)
		_ = srv.Close()
		status = exitFail
	}
	<-errc
	fmt.Fprintln(e.stderr, "blobimage serve: stopped")
	return status
}

// shutdownTimeout is how long requests in flight may take to finish once
// the server is told to stop.
const shutdownTimeout = 15 * time.Second

// displayURL is the URL to print for a listener: a wildcard address is
// reachable on the loopback interface.
func displayURL(a net.Addr) string {
	host, port := "127.0.0.1", ""
	if t, ok := a.(*net.TCPAddr); ok {
		port = strconv.Itoa(t.Port)
		if !t.IP.IsUnspecified() && t.IP != nil {
			host = t.IP.String()
		}
	} else if h, p, err := net.SplitHostPort(a.String()); err == nil {
		host, port = h, p
	}
	return "http://" + net.JoinHostPort(host, port)
}

//go:embed serve/pages.html.tmpl
var pagesText string

var pages = template.Must(template.New("pages").Parse(pagesText))

// uploadSlack is allowed on top of max_bytes in an upload request, for the
// multipart framing and the form fields.
const uploadSlack = 1 << 20

// defaultPageSize is how many originals a gallery page shows.
const defaultPageSize = 48

// serveOptions tune serveHandler.
type serveOptions struct {
	// PageSize is the number of originals per gallery page; 0 means
	// defaultPageSize.
	PageSize int
	// Log receives server errors (5xx); nil discards them.
	Log *log.Logger
}

// server holds what the handlers share.
type server struct {
	s        *blobimage.Store
	prefix   string // the variant key space
	maxBytes int64
	pageSize int
	log      *log.Logger
}

// serveHandler returns the HTTP interface to s described at cmdServe.
func serveHandler(s *blobimage.Store, o serveOptions) http.Handler {
	cfg := s.Config()
	h := &server{s: s, prefix: cfg.VariantPrefix, maxBytes: cfg.Limits.WithDefaults().MaxBytes,
		pageSize: o.PageSize, log: o.Log}
	if h.prefix == "" {
		h.prefix = blobimage.DefaultVariantPrefix
	}
	if h.pageSize <= 0 {
		h.pageSize = defaultPageSize
	}
	if h.log == nil {
		h.log = log.New(io.Discard, "", 0)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", h.gallery)
	mux.HandleFunc("POST /upload", h.upload)
	mux.HandleFunc("GET /info/{key...}", h.info)
	mux.HandleFunc("GET /api/info/{key...}", h.apiInfo)
	mux.HandleFunc("GET /img/{key...}", h.img)
	mux.HandleFunc("POST /delete/{key...}", h.delete)
	mux.HandleFunc("/", h.notFound)
	return http.NewCrossOriginProtection().Handler(mux)
}

// notFound answers what no route matched: 405 for a route's path with
// another method, else 404.
func (h *server) notFound(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/upload" || strings.HasPrefix(p, "/delete/"):
		w.Header().Set("Allow", "POST")
	case p == "/" || strings.HasPrefix(p, "/info/") || strings.HasPrefix(p, "/api/info/") || strings.HasPrefix(p, "/img/"):
		w.Header().Set("Allow", "GET, HEAD")
	default:
		h.fail(w, r, fmt.Errorf("%w: no page at %s", errNotFound, p))
		return
	}
	h.fail(w, r, fmt.Errorf("%w: %s %s (allowed: %s)", errMethod, r.Method, p, w.Header().Get("Allow")))
}

// Errors of the server's own making.
var (
	errBadRequest = errors.New("bad request")
	errNotFound   = errors.New("not found")
	errMethod     = errors.New("method not allowed")
)

// statusOf maps an error to its HTTP status.
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), errors.Is(err, blobimage.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, blobimage.ErrNotImage), errors.Is(err, blobimage.ErrUnsupportedFormat):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, blobimage.ErrCorrupt), errors.Is(err, blobimage.ErrReservedKey), errors.Is(err, errBadRequest):
		return http.StatusBadRequest
	case errors.Is(err, blobimage.ErrNoVariant), errors.Is(err, blobimage.ErrUnmanaged), errors.Is(err, errNotFound):
		return http.StatusNotFound
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed
	}
	switch blobimage.ErrorCode(err) {
	case gcerrors.NotFound:
		return http.StatusNotFound
	case gcerrors.InvalidArgument:
		return http.StatusBadRequest
	case gcerrors.ResourceExhausted:
		return http.StatusRequestEntityTooLarge
	case gcerrors.FailedPrecondition:
		return http.StatusConflict
	case gcerrors.Canceled:
		return http.StatusServiceUnavailable
	case gcerrors.DeadlineExceeded:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

// message is what a user is told about err: what kind of refusal it is
// and the library's own words, which name the key and the limit. Server
// errors are logged instead of shown.
func (h *server) message(r *http.Request, err error) string {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return fmt.Sprintf("too large: the request is over %s (max_bytes %s plus %s for the form)",
			humanBytes(mbe.Limit), humanBytes(h.maxBytes), humanBytes(uploadSlack))
	case errors.Is(err, blobimage.ErrTooLarge):
		return "too large: " + lastPart(err)
	case errors.Is(err, blobimage.ErrNotImage):
		return "not an image: " + lastPart(err)
	case errors.Is(err, blobimage.ErrUnsupportedFormat):
		return "unsupported image format: " + lastPart(err)
	case errors.Is(err, blobimage.ErrCorrupt):
		return "corrupt image: " + lastPart(err)
	case errors.Is(err, blobimage.ErrReservedKey):
		return "reserved key: " + lastPart(err)
	case errors.Is(err, blobimage.ErrUnmanaged):
		return "not an image: the object has no blobimage manifest (written past the wrapper, or not an image key)"
	}
	status := statusOf(err)
	if status == http.StatusNotFound && !errors.Is(err, errNotFound) && !errors.Is(err, blobimage.ErrNoVariant) {
		return "not found"
	}
	if status >= 500 {
		h.log.Printf("%s %s: %v", r.Method, r.URL.RequestURI(), err)
		return "internal error: see the server's log"
	}
	return lastPart(err)
}

// lastPart drops gocloud's "blob (key …) (code=…): " wrapping from an
// error message; the library's own message names the key.
func lastPart(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "): "); strings.HasPrefix(msg, "blob (") && i >= 0 {
		msg = msg[i+3:]
	}
	return strings.TrimPrefix(msg, "blobimage: ")
}

// fail answers a request with err: an error page, or a JSON object under
// /api/.
func (h *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusOf(err), h.message(r, err)
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSON(w, status, map[string]any{"error": msg, "status": status})
		return
	}
	h.render(w, r, status, "error", struct{ Title, Message string }{http.StatusText(status), msg})
}

// render executes the template name into a buffer and sends it with status.
func (h *server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Printf("%s %s: template %s: %v", r.Method, r.URL.RequestURI(), name, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// keyOf returns the key a request names: the rest of its path, or ?key=
// when the path is empty. Keys in the variant key space are refused:
// variants are read through their original (?variant=NAME).
func (h *server) keyOf(r *http.Request) (string, error) {
	key := r.PathValue("key")
	if key == "" {
		key = r.URL.Query().Get("key")
	}
	if key == "" {
		return "", fmt.Errorf("%w: no key given", errBadRequest)
	}
	if strings.HasPrefix(key, h.prefix) {
		return "", fmt.Errorf("blobimage: %q: %w: keys under %q hold variants; ask for the original with ?variant=NAME", key, blobimage.ErrReservedKey, h.prefix)
	}
	return key, nil
}

// keyURL is the URL of route ("/info/", "/img/", …) for key.
func keyURL(route, key string) string {
	if !cleanKey(key) {
		return route + "?key=" + url.QueryEscape(key)
	}
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return route + strings.Join(segs, "/")
}

// cleanKey reports whether key survives ServeMux's path cleaning as the
// rest of a URL path: no empty (but the last), "." or ".." segment.
func cleanKey(key string) bool {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		if s == "." || s == ".." || (s == "" && i < len(segs)-1) {
			return false
		}
	}
	return key != ""
}

// imgURL is the /img/ URL of key's variant (the original when "").
func imgURL(key, variant string) string {
	u := keyURL("/img/", key)
	if variant == "" {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "variant=" + url.QueryEscape(variant)
}

// galleryItem is one original on the gallery page.
type galleryItem struct {
	Key, DetailURL, ThumbURL, Format, Size, Note string
	Width, Height                                int
}

// gallery lists a page of originals under ?prefix=.
func (h *server) gallery(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	prefix := q.Get("prefix")
	token := blob.FirstPageToken
	if p := q.Get("page"); p != "" {
		t, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil || len(t) == 0 {
			h.fail(w, r, fmt.Errorf("%w: bad page token %q", errBadRequest, p))
			return
		}
		token = t
	}
	objs, next, err := h.s.Bucket.ListPage(ctx, token, h.pageSize, &blob.ListOptions{Prefix: prefix})
	if err != nil && !errors.Is(err, io.EOF) {
		if gcerrors.Code(err) == gcerrors.InvalidArgument {
			err = fmt.Errorf("%w: bad page token: %v", errBadRequest, err)
		}
		h.fail(w, r, err)
		return
	}
	items := make([]galleryItem, len(objs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, o := range objs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			items[i] = h.item(ctx, o)
		}()
	}
	wg.Wait()
	data := struct {
		Prefix, MaxBytes, FirstURL, NextURL string
		Items                               []galleryItem
	}{Prefix: prefix, MaxBytes: humanBytes(h.maxBytes), Items: items}
	if len(next) > 0 {
		v := url.Values{"page": {base64.RawURLEncoding.EncodeToString(next)}}
		if prefix != "" {
			v.Set("prefix", prefix)
		}
		data.NextURL = "/?" + v.Encode()
	}
	if q.Get("page") != "" {
		data.FirstURL = "/"
		if prefix != "" {
			data.FirstURL += "?" + url.Values{"prefix": {prefix}}.Encode()
		}
	}
	h.render(w, r, http.StatusOK, "gallery", data)
}

// item describes one listed object; objects that are not blobimage
// originals are listed with a note and no link.
func (h *server) item(ctx context.Context, o *blob.ListObject) galleryItem {
	it := galleryItem{Key: o.Key, Size: humanBytes(o.Size)}
	f, err := h.s.Image(ctx, o.Key)
	if err != nil {
		if errors.Is(err, blobimage.ErrUnmanaged) {
			it.Note = "not a blobimage original"
		} else {
			it.Note = "unreadable: " + lastPart(err)
		}
		return it
	}
	it.DetailURL = keyURL("/info/", f.Key)
	it.ThumbURL = imgURL(f.Key, thumbnail(f, h.s))
	it.Format, it.Width, it.Height, it.Size = string(f.Format), f.Width, f.Height, humanBytes(f.Size)
	return it
}

// thumbnail picks the variant to show for f: the smallest ready one, else
// the smallest stale one (still served), else the first pending one in the
// config's order (made on its first read); "" for the original when f has
// no variants.
func thumbnail(f *blobimage.ImageFile, s *blobimage.Store) string {
	best, bestArea := "", math.MaxInt
	for _, state := range []blobimage.VariantState{blobimage.Ready, blobimage.Stale} {
		for name, v := range f.Variants {
			if v.State != state || v.Width == 0 {
				continue
			}
			if a := v.Width * v.Height; a < bestArea || (a == bestArea && name < best) {
				best, bestArea = name, a
			}
		}
		if best != "" {
			return best
		}
	}
	if rule := s.Rule(f.Key); rule != nil {
		for _, spec := range rule.Variants {
			if v, ok := f.Variants[spec.Name]; ok && v.State == blobimage.Pending {
				return spec.Name
			}
		}
	}
	if names := slices.Sorted(maps.Keys(f.Variants)); len(names) > 0 {
		return names[0]
	}
	return ""
}

// uploadResult is one file of an upload.
type uploadResult struct {
	File, Key, DetailURL, Error string
}

// upload stores the files of a multipart form.
func (h *server) upload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, h.maxBytes+uploadSlack)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			err = fmt.Errorf("%w: not a multipart/form-data upload: %v", errBadRequest, err)
		}
		h.fail(w, r, err)
		return
	}
	files := r.MultipartForm.File["file"]
	if len(files) == 0 {
		h.fail(w, r, fmt.Errorf("%w: no file given (the form field is \"file\")", errBadRequest))
		return
	}
	folder := strings.Trim(strings.TrimSpace(r.FormValue("prefix")), "/")
	key := strings.TrimSpace(r.FormValue("key"))
	if key != "" && !strings.HasSuffix(key, "/") && len(files) > 1 {
		h.fail(w, r, fmt.Errorf("%w: key %q names one object; with %d files give a folder (prefix, or a key ending in /)", errBadRequest, key, len(files)))
		return
	}
	var results []uploadResult
	var first error
	for _, fh := range files {
		k := uploadKey(folder, key, fh.Filename)
		res := uploadResult{File: fh.Filename, Key: k}
		if err := h.put(r.Context(), k, fh); err != nil {
			res.Error = h.message(r, err)
			if first == nil {
				first = err
			}
		} else {
			res.DetailURL = keyURL("/info/", k)
		}
		results = append(results, res)
	}
	if first != nil {
		h.render(w, r, statusOf(first), "upload", results)
		return
	}
	to := results[0].DetailURL
	if len(results) > 1 {
		to = "/"
		if folder != "" {
			to += "?" + url.Values{"prefix": {folder + "/"}}.Encode()
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// uploadKey is the key of an uploaded file: key (or, when key is empty or
// a folder ending in /, that folder plus the file's base name) inside
// folder.
func uploadKey(folder, key, filename string) string {
	name := path.Base(strings.ReplaceAll(filename, "\\", "/"))
	if name == "/" || name == "." {
		name = ""
	}
	switch {
	case key == "":
		key = name
	case strings.HasSuffix(key, "/"):
		key += name
	}
	if folder != "" {
		key = folder + "/" + key
	}
	return key
}

// put checks key and stores the file through the Store's write path, as
// `blobimage put` does.
func (h *server) put(ctx context.Context, key string, fh *multipart.FileHeader) error {
	if err := h.checkUploadKey(key); err != nil {
		return err
	}
	if h.s.Rule(key) == nil {
		return fmt.Errorf("%w: key %q matches no rule of the config: not an image key, not stored", errBadRequest, key)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = h.s.Put(ctx, key, f, nil)
	return err
}

// checkUploadKey refuses keys a browser form should not write: empty,
// over 1024 bytes, not UTF-8, with control characters, with an empty, "."
// or ".." segment, or in the variant key space.
func (h *server) checkUploadKey(key string) error {
	switch {
	case key == "" || strings.HasSuffix(key, "/"):
		return fmt.Errorf("%w: the file has no name: give a key", errBadRequest)
	case len(key) > 1024:
		return fmt.Errorf("%w: key longer than 1024 bytes", errBadRequest)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: key %q is not UTF-8", errBadRequest, key)
	case strings.ContainsFunc(key, unicode.IsControl):
		return fmt.Errorf("%w: key %q has control characters", errBadRequest, key)
	case !cleanKey(key):
		return fmt.Errorf("%w: key %q has an empty, \".\" or \"..\" segment", errBadRequest, key)
	case strings.HasPrefix(key, h.prefix):
		return fmt.Errorf("blobimage: write %q: %w: keys under %q hold variants", key, blobimage.ErrReservedKey, h.prefix)
	}
	return nil
}

// image returns the ImageFile a request names.
func (h *server) image(r *http.Request) (*blobimage.ImageFile, error) {
	key, err := h.keyOf(r)
	if err != nil {
		return nil, err
	}
	return h.s.Image(r.Context(), key)
}

// row is one line of the detail page's table.
type row struct{ Name, Value string }

// variantRow is one variant on the detail page.
type variantRow struct {
	Name, State, Format, Size, Key, URL string
	Width, Height                       int
}

// info is the detail page of one original.
func (h *server) info(w http.ResponseWriter, r *http.Request) {
	f, err := h.image(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	data := struct {
		Key, Format, ContentType, Size              string
		OriginalURL, PreviewURL, JSONURL, DeleteURL string
		Width, Height                               int
		Metadata                                    []row
		Variants                                    []variantRow
	}{
		Key: f.Key, Format: string(f.Format), ContentType: f.ContentType, Size: humanBytes(f.Size),
		Width: f.Width, Height: f.Height,
		OriginalURL: imgURL(f.Key, ""), JSONURL: keyURL("/api/info/", f.Key), DeleteURL: keyURL("/delete/", f.Key),
		Metadata: metadataRows(f),
	}
	data.PreviewURL = imgURL(f.Key, preview(f))
	for _, name := range slices.Sorted(maps.Keys(f.Variants)) {
		v := f.Variants[name]
		vr := variantRow{Name: name, State: string(v.State), Format: string(v.Format), Key: v.Key,
			URL: imgURL(f.Key, name), Width: v.Width, Height: v.Height}
		if v.Size > 0 {
			vr.Size = humanBytes(v.Size)
		}
		data.Variants = append(data.Variants, vr)
	}
	h.render(w, r, http.StatusOK, "detail", data)
}

// preview picks the variant to show large on the detail page: the largest
// ready one no larger than the original, else the original.
func preview(f *blobimage.ImageFile) string {
	best, bestArea := "", 0
	for name, v := range f.Variants {
		a := v.Width * v.Height
		if v.State != blobimage.Ready || a == 0 || a > f.Width*f.Height {
			continue
		}
		if a > bestArea || (a == bestArea && name < best) {
			best, bestArea = name, a
		}
	}
	return best
}

// metadataRows are the metadata fields f has, formatted.
func metadataRows(f *blobimage.ImageFile) []row {
	m := f.Metadata
	var rows []row
	add := func(name, value string) {
		if value != "" {
			rows = append(rows, row{name, value})
		}
	}
	if !m.Taken.IsZero() {
		add("Taken", m.Taken.Format("2006-01-02 15:04:05 -07:00"))
	}
	add("Make", m.Make)
	add("Model", m.Model)
	add("Lens", m.Lens)
	if m.Orientation != 0 {
		add("EXIF orientation", strconv.Itoa(m.Orientation))
	}
	switch t := m.ExposureTime; {
	case t > 0 && t < 1:
		add("Exposure", fmt.Sprintf("1/%d s", int(math.Round(1/t))))
	case t >= 1:
		add("Exposure", strconv.FormatFloat(t, 'g', 4, 64)+" s")
	}
	if m.FNumber > 0 {
		add("Aperture", "f/"+strconv.FormatFloat(m.FNumber, 'g', 3, 64))
	}
	if m.ISO > 0 {
		add("ISO", strconv.Itoa(m.ISO))
	}
	if m.FocalLength > 0 {
		add("Focal length", strconv.FormatFloat(m.FocalLength, 'g', 4, 64)+" mm")
	}
	if g := m.GPS; g != nil {
		pos := fmt.Sprintf("%.5f, %.5f", g.Lat, g.Lon)
		if g.Alt != nil {
			pos += fmt.Sprintf(", %.0f m", *g.Alt)
		}
		add("GPS (from the upload)", pos)
	}
	return rows
}

// apiInfo is the ImageFile JSON of one original.
func (h *server) apiInfo(w http.ResponseWriter, r *http.Request) {
	f, err := h.image(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
}

// img streams an original or one of its variants.
func (h *server) img(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := h.image(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	key, contentType := f.Key, f.ContentType
	if name := r.URL.Query().Get("variant"); name != "" && name != "original" {
		v, ok := f.Variants[name]
		if !ok {
			h.fail(w, r, fmt.Errorf("%q has no variant %q (it has: %s): %w", f.Key, name, variantNames(f), blobimage.ErrNoVariant))
			return
		}
		// The first of the variant's formats the client names, else the
		// fallback every client reads.
		e := v.Negotiate(r.Header.Get("Accept"))
		key, contentType = e.Key, e.ContentType
	}
	// Reading through the wrapped bucket makes a pending variant first.
	rd, err := h.s.Bucket.NewReader(ctx, key, nil)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer rd.Close()
	if contentType == "" {
		contentType = rd.ContentType()
	}
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Vary", "Accept")
	if a, err := h.s.Bucket.Attributes(ctx, key); err == nil {
		if etag := a.ETag; etag != "" {
			if !strings.HasPrefix(etag, `"`) && !strings.HasPrefix(etag, `W/"`) {
				etag = strconv.Quote(etag)
			}
			hd.Set("ETag", etag)
		}
	}
	http.ServeContent(w, r, "", rd.ModTime(), rd)
}

// delete removes an original with its variants.
func (h *server) delete(w http.ResponseWriter, r *http.Request) {
	key, err := h.keyOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.s.Image(r.Context(), key); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.s.Bucket.Delete(r.Context(), key); err != nil {
		h.fail(w, r, err)
		return
	}
	to := "/"
	if i := strings.LastIndex(key, "/"); i > 0 {
		to += "?" + url.Values{"prefix": {key[:i+1]}}.Encode()
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// humanBytes formats n bytes for people.
func humanBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, units := float64(n), []string{"KiB", "MiB", "GiB", "TiB"}
	for i, u := range units {
		v /= 1024
		if v < 1024 || i == len(units)-1 {
			return strconv.FormatFloat(v, 'f', 1, 64) + " " + u
		}
	}
	return ""
}
