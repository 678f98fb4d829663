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
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/imagehttp"
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
//	POST /upload              multipart/form-data through imagehttp.Uploader: "file"
//	                          parts, optional "prefix", "key" and "overwrite"
//	                          fields (an existing key is replaced only when the
//	                          form says so: 409 otherwise); 303 to the image's
//	                          page (one file) or the gallery; any refused: the
//	                          results page with the first refusal's status
//	GET  /info/{key...}       the image's page: format, dimensions, metadata and
//	                          every variant with its state and link
//	GET  /api/info/{key...}   the ImageFile JSON, as `blobimage info` prints it
//	GET  /img/{key...}        imagehttp's image handler: the original, or
//	                          ?variant=NAME in the first of its formats the Accept
//	                          header names (Vary: Accept), ETag, Range, nosniff
//	                          and a sandbox CSP; a pending variant is made on read;
//	                          ?w=W an on-demand width (the rule's on_demand), and
//	                          with --sign-key any signed transform (w, h, op,
//	                          anchor, q, sig), made on first request and stored
//	POST /delete/{key...}     delete the original with its variants; 303 to /
//	POST /direct/presign      when the bucket can sign PUT URLs (S3, GCS, Azure;
//	                          file:// through serve's own signer): a direct
//	                          upload, imagehttp.DirectUploads.Presign; the
//	                          gallery's script then PUTs each file to the URL
//	                          and calls
//	POST /direct/promote      imagehttp.DirectUploads.Promote; without them the
//	                          page posts the form to /upload
//	PUT  /direct/put?…        file:// buckets: the signed PUT of one staged
//	                          upload (authorised by its signature)
//	GET  /direct/upload.js    the gallery's upload script
//
// Safe to expose (see guard): it listens on 127.0.0.1:8080 unless --addr
// says otherwise; with --auth USER:PASSWORD (or BLOBIMAGE_AUTH) the two
// POST routes need HTTP Basic authentication, and --auth-all asks for it
// everywhere; without credentials on an address that is not loopback the
// server is read-only. A request whose Host is not a loopback name, the
// listen address or a --host name is refused (DNS rebinding). Keys with
// Unicode format characters are refused with 400. Every response carries
// X-Content-Type-Options: nosniff. Headers, bodies, writes and idle
// connections have deadlines, headers are at most 64 KiB, and at most
// limits.conns connections are served at once.
func cmdServe(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("serve")
	addr := fs.String("addr", defaultAddr, "listen `address`, host:port (port 0 picks a free one)")
	auth := fs.String("auth", os.Getenv("BLOBIMAGE_AUTH"), "`USER:PASSWORD` for HTTP Basic authentication of uploads and deletes (default $BLOBIMAGE_AUTH)")
	authAll := fs.Bool("auth-all", false, "ask for the credentials on every route, not only on writes")
	var hosts hostList
	fs.Var(&hosts, "host", "a `NAME` clients may use in the Host header besides the loopback names and the listen address (repeatable)")
	signKey := fs.String("sign-key", os.Getenv("BLOBIMAGE_SIGN_KEY"), "`KEY` whose signed URLs may ask /img/KEY for any transform (w, h, op, anchor, q; default $BLOBIMAGE_SIGN_KEY)")
	memory := fs.String("memory", "1GiB", "the `SIZE` the server process may take (KiB, MiB, GiB): 80% is the budget for images and uploads, the rest the runtime's")
	rest, err := e.parse(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(rest) > 0 {
		e.fail("serve: unexpected arguments %q", rest)
		return exitUsage
	}
	var creds *credentials
	if *auth != "" {
		if creds, err = parseCredentials(*auth); err != nil {
			e.fail("serve: --auth: %v", err)
			return exitUsage
		}
	}
	if *authAll && creds == nil {
		e.fail("serve: --auth-all needs --auth USER:PASSWORD (or BLOBIMAGE_AUTH)")
		return exitUsage
	}
	target, err := parseSize(*memory)
	if err != nil {
		e.fail("serve: --memory: %v", err)
		return exitUsage
	}
	holdMemory(e, target)
	// A file:// bucket signs direct uploads to serve itself.
	var signer *putSigner
	if useFileSigner(e.bucket) {
		signer = newPutSigner()
		e.fileSigner = signer
	}
	// The Store outlives the signal: an in-process job queue is drained by
	// closeStore after the server stops, not abandoned mid-job.
	s, closeStore, err := e.open(context.WithoutCancel(ctx))
	if err != nil {
		e.fail("%v", err)
		return exitFail
	}
	defer closeStore()
	if signer != nil {
		signer.isStaged = func(key string) bool { _, ok := s.StagedKey(key); return ok }
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		e.fail("serve: %v", err)
		return exitFail
	}
	logger := log.New(e.stderr, "blobimage serve: ", log.LstdFlags)
	o := serveOptions{Log: logger, Auth: creds, AuthAll: *authAll, Hosts: hosts, Listen: ln.Addr().String()}
	if signer != nil {
		o.Signer = signer
	}
	if *signKey != "" {
		o.SignKey = []byte(*signKey)
	}
	if creds == nil && !isLoopback(ln.Addr()) {
		o.ReadOnly = true
	}
	srv := &http.Server{
		Handler:           serveHandler(s, o),
		ReadHeaderTimeout: limits.header,
		ReadTimeout:       limits.read,
		WriteTimeout:      limits.write,
		IdleTimeout:       limits.idle,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          logger,
	}
	fmt.Fprintf(e.stderr, "serving %s\n", displayURL(ln.Addr()))
	if o.ReadOnly {
		fmt.Fprintf(e.stderr, "blobimage serve: read-only: %s is not a loopback address and no credentials were given; uploads and deletes answer 403 (give --auth USER:PASSWORD to allow them)\n", ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(limitListener(ln, limits.conns)) }()
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

// The server's bounds. A request may take limits.read to send (a 25 MiB
// upload at 2 Mbit/s fits) and its response limits.write to be read; a
// client that stalls longer, or keeps an idle connection past limits.idle,
// loses its connection instead of holding it; at most limits.conns
// connections are served at once.
var limits = struct {
	header, read, write, idle time.Duration
	conns                     int
}{header: 10 * time.Second, read: 2 * time.Minute, write: 2 * time.Minute, idle: time.Minute, conns: 256}

const (
	defaultAddr    = "127.0.0.1:8080"
	maxHeaderBytes = 64 << 10
)

// pageCSP is the pages' Content-Security-Policy; with direct uploads the
// gallery's script and its requests (to the bucket's origin) are allowed
// on top.
const pageCSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

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

// defaultPageSize is how many originals a gallery page shows.
const defaultPageSize = 48

// serveOptions tune serveHandler.
type serveOptions struct {
	// PageSize is the number of originals per gallery page; 0 means
	// defaultPageSize.
	PageSize int
	// Log receives server errors (5xx); nil discards them.
	Log *log.Logger
	// Auth, when set, is asked of uploads and deletes (HTTP Basic), and
	// with AuthAll of every request.
	Auth    *credentials
	AuthAll bool
	// ReadOnly refuses uploads and deletes (403).
	ReadOnly bool
	// Listen is the address the server listens on, and Hosts other names
	// it is reached by: with the loopback names, the Host headers it
	// answers.
	Listen string
	Hosts  []string
	// SignKey, when set, lets URLs signed with it ask /img/ for any
	// transform (imagehttp.ImageOptions.TransformKey).
	SignKey []byte
	// Signer, when set, is the URLSigner of the file:// bucket, whose
	// signed PUTs serve accepts at directPutPath (direct.go).
	Signer fileblob.URLSigner
}

// server holds what the handlers share.
type server struct {
	s        *blobimage.Store
	prefix   string // the variant key space
	maxBytes int64
	pageSize int
	log      *log.Logger
	up       *imagehttp.Uploader
	img      http.Handler
	// direct is set when the bucket can sign PUT URLs: the upload page
	// then uploads straight to the bucket (direct.go).
	direct *imagehttp.DirectUploads
	signer fileblob.URLSigner
	// csp is the pages' Content-Security-Policy.
	csp string
	// auth and readOnly are the guard's (serveOptions).
	auth     *credentials
	readOnly bool
}

// canWrite reports whether the guard lets r's sender write: the gallery
// offers direct uploads only then. Anyone else gets the form post, which
// a browser answers the 401 of with its login dialog (a script's request
// cannot ask for credentials).
func (h *server) canWrite(r *http.Request) bool {
	return !h.readOnly && (h.auth == nil || h.auth.match(r))
}

// serveHandler returns the HTTP interface to s described at cmdServe.
func serveHandler(s *blobimage.Store, o serveOptions) http.Handler {
	cfg := s.Config()
	h := &server{s: s, prefix: s.Options().VariantPrefix, maxBytes: cfg.Limits.WithDefaults().MaxBytes,
		pageSize: o.PageSize, log: o.Log, auth: o.Auth, readOnly: o.ReadOnly}
	if h.prefix == "" {
		h.prefix = blobimage.DefaultVariantPrefix
	}
	if h.pageSize <= 0 {
		h.pageSize = defaultPageSize
	}
	if h.log == nil {
		h.log = log.New(io.Discard, "", 0)
	}
	logger := slog.New(slog.NewTextHandler(h.log.Writer(), nil))
	overwrite := func(r *http.Request) bool { return imagehttp.FormValue(r, "overwrite") != "" }
	h.up = imagehttp.NewUploader(s, imagehttp.UploadOptions{
		Overwrite: overwrite,
		Logger:    logger,
	})
	h.img = imagehttp.NewImageHandler(s, imagehttp.ImageOptions{Logger: logger, TransformKey: o.SignKey})
	h.csp = pageCSP
	mux := http.NewServeMux()
	// Direct uploads when the bucket can sign a PUT; the page's script
	// then talks to the bucket's origin too.
	octx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	origin, err := s.DirectUploadOrigin(octx)
	cancel()
	if err == nil {
		h.direct = imagehttp.NewDirectUploads(s, imagehttp.DirectOptions{Overwrite: overwrite, Logger: logger})
		h.csp += "; script-src 'self'; connect-src 'self'"
		if origin != "" {
			h.csp += " " + origin
		}
		mux.Handle("POST /direct/presign", h.direct.Presign())
		mux.Handle("POST /direct/promote", h.direct.Promote())
		mux.HandleFunc("GET /direct/upload.js", serveScript)
		if o.Signer != nil {
			h.signer = o.Signer
			mux.HandleFunc("PUT "+directPutPath, h.directPut)
		}
	} else if !errors.Is(err, blobimage.ErrCannotSign) {
		h.log.Printf("direct uploads off: %v", err)
	}
	mux.HandleFunc("GET /{$}", h.gallery)
	mux.HandleFunc("POST /upload", h.upload)
	mux.HandleFunc("GET /info/{key...}", h.info)
	mux.HandleFunc("GET /api/info/{key...}", h.apiInfo)
	mux.HandleFunc("GET /img/{key...}", h.image)
	mux.HandleFunc("POST /delete/{key...}", h.delete)
	mux.HandleFunc("/", h.notFound)
	return guard(o, http.NewCrossOriginProtection().Handler(mux))
}

// notFound answers what no route matched: 405 for a route's path with
// another method, else 404.
func (h *server) notFound(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/upload" || strings.HasPrefix(p, "/delete/") || (h.direct != nil && (p == "/direct/presign" || p == "/direct/promote")):
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
	errBadRequest = imagehttp.ErrBadRequest
	errNotFound   = imagehttp.ErrNotFound
	errMethod     = errors.New("method not allowed")
)

// statusOf maps an error to its HTTP status: imagehttp's, and 405.
func statusOf(err error) int {
	if errors.Is(err, errMethod) {
		return http.StatusMethodNotAllowed
	}
	return imagehttp.Status(err)
}

// message is what a user is told about err (imagehttp.Message); server
// errors are logged instead of shown.
func (h *server) message(r *http.Request, err error) string {
	if errors.Is(err, errMethod) {
		return strings.TrimPrefix(err.Error(), "blobimage: ")
	}
	if statusOf(err) >= 500 {
		h.log.Printf("%s %s: %v", r.Method, r.URL.RequestURI(), err)
	}
	return imagehttp.Message(err)
}

// fail answers a request with err: an error page, or a JSON object under
// /api/.
func (h *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusOf(err), h.message(r, err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
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
	hd.Set("Content-Security-Policy", h.csp)
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

// handlerURL is the image route's URL of a variant's encoding (format ""
// for the one the Accept header picks).
func handlerURL(f *blobimage.ImageFile, variant string, format codecs.Format) string {
	u := imgURL(f.Key, variant)
	if format == "" {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "format=" + url.QueryEscape(string(format))
}

// galleryItem is one original on the gallery page.
type galleryItem struct {
	Key, DetailURL, Format, Size, Note string
	Width, Height                      int
	// Img is the responsive <img> (imagehttp.Responsive).
	Img template.HTML
}

// The gallery's cells are 170–230 CSS pixels wide (see the grid in
// pages.html.tmpl): two columns on a phone, up to six on a wide screen.
const (
	gallerySizes    = "(max-width: 420px) 45vw, 230px"
	gallerySrcWidth = 230
)

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
		Direct                              bool
	}{Prefix: prefix, MaxBytes: humanBytes(h.maxBytes), Items: items, Direct: h.direct != nil && h.canWrite(r)}
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
			it.Note = "unreadable: " + imagehttp.Message(err)
		}
		return it
	}
	it.DetailURL = keyURL("/info/", f.Key)
	// The srcset ranges over the variants that show the whole picture;
	// an image with only crops shows its thumbnail variant instead of the
	// original.
	opts := imagehttp.MarkupOptions{Alt: f.Key, Sizes: gallerySizes, SrcWidth: gallerySrcWidth, URL: handlerURL}
	m := imagehttp.Responsive(f, opts)
	if thumb := thumbnail(f, h.s); m.Src == handlerURL(f, "", "") && thumb != "" {
		opts.Variants = []string{thumb}
		m = imagehttp.Responsive(f, opts)
	}
	it.Img = m.Img()
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

// uploadResult is one file of an upload, for the results page.
type uploadResult struct {
	File, Key, DetailURL, Error string
}

// upload stores the files of a multipart form through imagehttp's
// Uploader, then redirects to what was stored or shows what was refused.
func (h *server) upload(w http.ResponseWriter, r *http.Request) {
	results, err := h.up.Receive(r)
	if err != nil && len(results) == 0 {
		h.fail(w, r, err)
		return
	}
	var page []uploadResult
	first := err
	for _, res := range results {
		ur := uploadResult{File: res.Filename, Key: res.Key}
		if res.Err != nil {
			ur.Error = h.message(r, res.Err)
			if first == nil {
				first = res.Err
			}
		} else {
			ur.DetailURL = keyURL("/info/", res.Key)
		}
		page = append(page, ur)
	}
	if err != nil {
		page = append(page, uploadResult{Error: h.message(r, err)})
	}
	if first != nil {
		if statusOf(first) == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		h.render(w, r, statusOf(first), "upload", page)
		return
	}
	to := page[0].DetailURL
	if len(page) > 1 {
		to = "/"
		if i := strings.LastIndex(page[0].Key, "/"); i > 0 {
			to += "?" + url.Values{"prefix": {page[0].Key[:i+1]}}.Encode()
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// imageFile returns the ImageFile a request names.
func (h *server) imageFile(r *http.Request) (*blobimage.ImageFile, error) {
	key, err := h.keyOf(r)
	if err != nil {
		return nil, err
	}
	return h.s.Image(r.Context(), key)
}

// image serves an original or a variant through imagehttp, after the
// server's own key checks.
func (h *server) image(w http.ResponseWriter, r *http.Request) {
	if _, err := h.keyOf(r); err != nil {
		h.fail(w, r, err)
		return
	}
	h.img.ServeHTTP(w, r)
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
	f, err := h.imageFile(r)
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
	f, err := h.imageFile(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, f)
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
