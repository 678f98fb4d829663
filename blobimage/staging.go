package blobimage

// Direct uploads: a client PUTs an image straight to the bucket, at a
// staging key the Store picked and signed, and the image is then promoted
// to its final key through the write path.
//
//  1. DirectUpload checks the final key (an image key, not reserved, one
//     CheckKey accepts), the content type (one of the rule's formats) and
//     the size, picks a staging key and signs a PUT to it on the inner
//     bucket (the wrapper itself refuses to sign PUTs to reserved keys).
//  2. The client PUTs the bytes to the URL with the given headers.
//  3. Promote (called by the application when the client says it is done,
//     or by a worker on the bucket's "object created" notification: see
//     StagedKey) reads the staged object, writes it to the final key
//     through the write path, as Put does, and deletes the staged object.
//  4. Reconcile deletes staged objects that nobody promoted once they are
//     ReconcileOptions.StagedAge old.
//
// Staging keys have the form
//
//	<prefix><prefix>staged/<token>-<max bytes>[-n]/<final key>
//	_variants/_variants/staged/9f86d081884c7d659a2feaa0c55ad015-26214400/photos/cat.jpg
//
// where token is 32 random hex digits (so staging keys cannot be guessed),
// max bytes is the size the upload was allowed (Promote enforces it: a
// presigned PUT cannot limit its body on most backends) and "-n" marks an
// upload that may not replace an existing image. The key is signed, so the
// client cannot change any of it.
//
// The staging folder lies in the variant key space (hidden from List,
// refused to writers through the wrapper), and its name begins with the
// variant prefix itself. Every variant key is <prefix><original key>/…, and
// no original key can begin with the prefix (such keys are reserved), so no
// variant, rendition or transform key of any original ever lies in the
// staging folder, and originalOf never takes a staging key for a variant.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/codecs"
)

// DefaultDirectUploadExpiry is DirectUploadOptions.Expiry's default.
const DefaultDirectUploadExpiry = 15 * time.Minute

// DefaultStagedAge is ReconcileOptions.StagedAge's default: a staged
// upload nobody promoted within a day is removed by Reconcile.
const DefaultStagedAge = 24 * time.Hour

var (
	// ErrCannotSign: the bucket cannot sign upload URLs (memblob; fileblob
	// without a URLSigner), so direct uploads are not possible
	// (Unimplemented). The gocloud error is wrapped too.
	ErrCannotSign = errors.New("the bucket cannot sign upload URLs")
	// ErrNoRule: a direct upload to a key that matches no image rule
	// (InvalidArgument). Direct uploads exist to take images through the
	// write path; other objects need none of this.
	ErrNoRule = errors.New("the key matches no image rule")
	// ErrNotStaged: Promote was given a key that is not a staging key
	// (InvalidArgument).
	ErrNotStaged = errors.New("not a staging key")
)

// DirectUploadOptions tune DirectUpload.
type DirectUploadOptions struct {
	// ContentType is the media type the client will send, and the one
	// the URL is signed for where the bucket can sign it (fileblob's
	// URLSignerHMAC, GCS; not S3 through gocloud.dev v0.49.0's s3blob,
	// whose URL is signed without it unless BeforeSign adds it): the
	// media type of one of the formats the
	// key's rule accepts ("image/jpeg", "image/png", …; parameters are
	// dropped). It is required: a browser knows the type of the file it
	// is about to send (File.type), and a URL signed for "any type" would
	// let anything be staged. What the image really is is still decided
	// by its bytes, when it is promoted.
	ContentType string
	// MaxBytes is the largest upload that will be promoted (a presigned
	// PUT cannot bound its body on S3, GCS or Azure, so Promote enforces
	// it); 0 or less means the Store's Limits.MaxBytes, and more than that
	// is refused with ErrTooLarge. An application that knows the file's
	// size (Active Storage's byte_size) passes it here.
	MaxBytes int64
	// Expiry is how long the URL may be used; 0 or less means
	// DefaultDirectUploadExpiry.
	Expiry time.Duration
	// BeforeSign is passed to the bucket's SignedURL, to reach the
	// driver's own request (s3blob: **s3.PutObjectInput, to set
	// ContentType, which s3blob itself will not sign; gcsblob:
	// **storage.SignedURLOptions), as blob.SignedURLOptions.BeforeSign.
	BeforeSign func(asFunc func(any) bool) error
	// IfNotExist makes Promote refuse (FailedPrecondition) to replace an
	// image that exists at the final key by then; the staged upload is
	// removed.
	IfNotExist bool
}

// DirectUpload is what a client needs to upload an image straight to the
// bucket, and what to hand back afterwards (StagingKey). Its JSON is what
// imagehttp's direct upload handler answers.
type DirectUpload struct {
	// URL is the signed URL to send the bytes to, with Method.
	URL    string `json:"url"`
	Method string `json:"method"`
	// Headers must be sent with the request exactly as given (the
	// signature covers Content-Type).
	Headers map[string]string `json:"headers"`
	// Key is the final key; StagingKey is where the bytes land until
	// Promote moves them there.
	Key        string `json:"key"`
	StagingKey string `json:"staging_key"`
	// Expires is when the URL stops working.
	Expires time.Time `json:"expires"`
	// MaxBytes is the largest upload Promote will accept.
	MaxBytes int64 `json:"max_bytes"`
}

// stagingFolder returns the folder staged uploads live in.
func (s *Store) stagingFolder() string { return s.prefix + s.prefix + "staged/" }

// stagingTokenLen is the length of a staging key's random token, in hex
// digits.
const stagingTokenLen = 32

// staged is a parsed staging key.
type staged struct {
	final      string
	maxBytes   int64
	ifNotExist bool
}

// parseStaged parses a staging key of s.
func (s *Store) parseStaged(key string) (staged, bool) {
	rest, ok := strings.CutPrefix(key, s.stagingFolder())
	if !ok {
		return staged{}, false
	}
	seg, final, ok := strings.Cut(rest, "/")
	if !ok || final == "" || len(seg) < stagingTokenLen+2 || seg[stagingTokenLen] != '-' {
		return staged{}, false
	}
	if _, err := hex.DecodeString(seg[:stagingTokenLen]); err != nil {
		return staged{}, false
	}
	num, flag, hasFlag := strings.Cut(seg[stagingTokenLen+1:], "-")
	if hasFlag && flag != "n" {
		return staged{}, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != num {
		return staged{}, false
	}
	return staged{final: final, maxBytes: n, ifNotExist: hasFlag}, true
}

// StagedKey reports whether key is a staging key of this Store (one that
// DirectUpload hands out) and, if so, the final key its upload is for. A
// worker reading the bucket's notifications calls Promote for the objects
// whose keys it recognises; they are in the variant key space, so a
// worker adopting unmanaged originals leaves them alone anyway.
func (s *Store) StagedKey(key string) (final string, ok bool) {
	st, ok := s.parseStaged(key)
	return st.final, ok
}

// uploadTypes returns the media types a rule accepts uploads of: those
// of its formats, or of every format that can be read.
func uploadTypes(rule *compiledRule) []string {
	formats := rule.Formats
	if len(formats) == 0 {
		for _, f := range codecs.Formats() {
			if c, ok := codecs.Lookup(f); ok && c.Match != nil {
				formats = append(formats, f)
			}
		}
	}
	var types []string
	for _, f := range formats {
		if mt := f.MediaType(); mt != "" && !slices.Contains(types, mt) {
			types = append(types, mt)
		}
	}
	return types
}

// AcceptedTypes returns the media types DirectUpload accepts for key (nil
// when key matches no image rule), for an upload form's accept attribute.
func (s *Store) AcceptedTypes(key string) []string {
	rule := s.match(key)
	if rule == nil {
		return nil
	}
	return uploadTypes(rule)
}

// checkDirectKey refuses final keys a direct upload may not name: those
// any image write refuses (CheckKey), reserved ones, those matching no
// image rule, and those with an empty, "." or ".." segment (which path-like
// backends would resolve to another key).
func (s *Store) checkDirectKey(key string) (*compiledRule, error) {
	if s.reserved(key) {
		return nil, fmt.Errorf("%w: keys under %q hold variants", ErrReservedKey, s.prefix)
	}
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return nil, fmt.Errorf("%w: an empty, \".\" or \"..\" segment", ErrInvalidKey)
		}
	}
	rule := s.match(key)
	if rule == nil {
		return nil, ErrNoRule
	}
	return rule, nil
}

// DirectUpload returns a signed URL a client can PUT an image to, for the
// final key key, and the staging key to Promote afterwards. Nothing is
// written. It refuses keys that no image write may have (ErrReservedKey,
// ErrInvalidKey, ErrNoRule), a content type the key's rule does not accept
// or none (ErrUnsupportedFormat), a MaxBytes over the Store's limit
// (ErrTooLarge), and says ErrCannotSign when the bucket cannot sign PUT
// URLs (memblob, fileblob without a URLSigner).
//
// Browsers upload to another origin than the application's: the bucket
// needs a CORS rule allowing PUT, with the Content-Type header, from the
// application's origin (see the README).
func (s *Store) DirectUpload(ctx context.Context, key string, opts *DirectUploadOptions) (*DirectUpload, error) {
	if opts == nil {
		opts = &DirectUploadOptions{}
	}
	fail := func(err error) (*DirectUpload, error) {
		return nil, withCode(fmt.Errorf("blobimage: direct upload %q: %w", key, err))
	}
	rule, err := s.checkDirectKey(key)
	if err != nil {
		return fail(err)
	}
	types := uploadTypes(rule)
	ct, _, err := mime.ParseMediaType(opts.ContentType)
	switch {
	case opts.ContentType == "":
		return fail(fmt.Errorf("%w: no content type given (accepted: %s)", ErrUnsupportedFormat, strings.Join(types, ", ")))
	case err != nil || !slices.Contains(types, ct):
		return fail(fmt.Errorf("%w: %q is not accepted here (accepted: %s)", ErrUnsupportedFormat, opts.ContentType, strings.Join(types, ", ")))
	}
	limit := s.cfg.Limits.MaxBytes
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = limit
	}
	if limit > 0 && maxBytes > limit {
		return fail(&codecs.LimitError{Limit: "max_bytes", Value: maxBytes, Max: limit})
	}
	expiry := opts.Expiry
	if expiry <= 0 {
		expiry = DefaultDirectUploadExpiry
	}
	seg := newStagingToken() + "-" + strconv.FormatInt(maxBytes, 10)
	if opts.IfNotExist {
		seg += "-n"
	}
	stagingKey := s.stagingFolder() + seg + "/" + key
	expires := time.Now().Add(expiry)
	u, err := s.signPut(ctx, stagingKey, ct, expiry, opts.BeforeSign)
	if err != nil {
		return fail(err)
	}
	headers := map[string]string{"Content-Type": ct}
	if isAzureSAS(u) {
		// Azure's Put Blob needs the blob type, and a SAS URL cannot carry
		// it.
		headers["x-ms-blob-type"] = "BlockBlob"
	}
	return &DirectUpload{URL: u, Method: http.MethodPut, Headers: headers, Key: key, StagingKey: stagingKey,
		Expires: expires.UTC().Truncate(time.Second), MaxBytes: maxBytes}, nil
}

// newStagingToken returns a staging key's random token.
func newStagingToken() string {
	var tok [stagingTokenLen / 2]byte
	_, _ = rand.Read(tok[:]) // crypto/rand.Read never fails.
	return hex.EncodeToString(tok[:])
}

// signPut signs a PUT of content type ct to stagingKey on the inner
// bucket.
func (s *Store) signPut(ctx context.Context, stagingKey, ct string, expiry time.Duration, before func(func(any) bool) error) (string, error) {
	so := &blob.SignedURLOptions{Method: http.MethodPut, ContentType: ct, Expiry: expiry, BeforeSign: before}
	u, err := s.inner.SignedURL(ctx, stagingKey, so)
	if gcerrors.Code(err) == gcerrors.Unimplemented {
		// s3blob (gocloud.dev v0.49.0) cannot sign a PUT's content type:
		// sign without it. The client still sends it and the bucket
		// stores it, but does not hold the client to it; Promote decides
		// by the bytes, whatever the type said.
		so.ContentType = ""
		u, err = s.inner.SignedURL(ctx, stagingKey, so)
	}
	if gcerrors.Code(err) == gcerrors.Unimplemented {
		return "", fmt.Errorf("%w: %w", ErrCannotSign, err)
	}
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return u, nil
}

// DirectUploadOrigin returns the origin (scheme://host[:port]) that
// direct uploads' URLs point at, for a page's Content-Security-Policy
// (connect-src) and the bucket's CORS rule; "" when the bucket signs
// relative URLs (fileblob with a URLSigner on a path), which go to the
// page's own origin. It signs a URL for a staging key and writes nothing.
// A bucket that cannot sign PUT URLs gives ErrCannotSign.
func (s *Store) DirectUploadOrigin(ctx context.Context) (string, error) {
	key := s.stagingFolder() + newStagingToken() + "-1/origin"
	u, err := s.signPut(ctx, key, "image/jpeg", time.Minute, nil)
	if err != nil {
		return "", withCode(fmt.Errorf("blobimage: direct upload origin: %w", err))
	}
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("blobimage: direct upload origin: signed URL %q: %w", u, err)
	}
	if p.Scheme == "" || p.Host == "" {
		return "", nil
	}
	return p.Scheme + "://" + p.Host, nil
}

// isAzureSAS reports whether u is an Azure Storage shared access signature
// (service version, signed resource and signature in the query): the one
// backend whose PUT needs a header besides Content-Type. The library
// imports no driver, so it tells by the URL.
func isAzureSAS(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	q := p.Query()
	return q.Has("sv") && q.Has("sr") && q.Has("sig")
}

// Promote writes the upload staged at stagingKey (a DirectUpload's) to its
// final key through the write path, as Put does (sniffed, checked against
// the limits and the upload's MaxBytes, oriented, variants, manifest),
// deletes the staged object and returns the ImageFile.
//
//   - An upload the write path refuses (not an image, corrupt, a format the
//     rule does not accept, too large, or IfNotExist and the key exists) is
//     deleted, as Shrine deletes cached files that fail validation, and
//     the typed error is returned (ErrNotImage, ErrTooLarge, …); the final
//     key keeps its previous state.
//   - Other failures (ErrBusy, the backend, ctx) leave the staged object
//     for a retry; Reconcile removes it once it is StagedAge old.
//   - A staging key with no object (promoted already, or removed) gives an
//     error whose gcerrors code is NotFound: a notification worker may
//     treat it as done. Promotes of one key in one process run one at a
//     time, so of two concurrent calls one promotes and the other finds
//     nothing; across processes both may write the final key, each a
//     complete version, the last one winning.
func (s *Store) Promote(ctx context.Context, stagingKey string) (*ImageFile, error) {
	fail := func(err error) (*ImageFile, error) {
		return nil, withCode(fmt.Errorf("blobimage: promote %q: %w", stagingKey, err))
	}
	st, ok := s.parseStaged(stagingKey)
	if !ok {
		return fail(ErrNotStaged)
	}
	unlock := s.keys.lock(stagingKey)
	defer unlock()
	if _, err := s.checkDirectKey(st.final); err != nil {
		// The config changed since the upload was signed: it can never
		// be promoted.
		s.deleteStaged(ctx, stagingKey)
		return fail(err)
	}
	r, err := s.inner.NewReader(ctx, stagingKey, nil)
	if err != nil {
		return fail(innerError{err})
	}
	defer r.Close()
	if r.Size() > st.maxBytes {
		s.deleteStaged(ctx, stagingKey)
		return fail(&codecs.LimitError{Limit: "max_bytes", Value: r.Size(), Max: st.maxBytes})
	}
	f, err := s.Put(ctx, st.final, &boundedReader{r: r, max: st.maxBytes}, &blob.WriterOptions{IfNotExist: st.ifNotExist})
	if err != nil {
		if refused(err) {
			s.deleteStaged(ctx, stagingKey)
		}
		return fail(err)
	}
	s.deleteStaged(ctx, stagingKey)
	return f, nil
}

// refused reports whether err is the write path's (or the bucket's)
// refusal of the upload itself, which no retry would change.
func refused(err error) bool {
	if errors.Is(err, ErrBusy) {
		return false
	}
	switch ErrorCode(err) {
	case gcerrors.InvalidArgument, gcerrors.ResourceExhausted, gcerrors.FailedPrecondition:
		return true
	}
	return false
}

// deleteStaged deletes a staged upload on a clean-up context (the
// caller's may be done), logging failures: what is missed, Reconcile
// removes once it is StagedAge old.
func (s *Store) deleteStaged(ctx context.Context, key string) {
	cctx, cancel := s.cleanupContext(ctx)
	defer cancel()
	if err := s.inner.Delete(cctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		s.log.WarnContext(ctx, "blobimage: could not delete staged upload", "key", key, "err", err)
	}
}

// boundedReader reads at most max bytes and fails with a max_bytes
// LimitError on the first byte past them: the staged object may have
// grown since its size was read.
type boundedReader struct {
	r    io.Reader
	max  int64
	read int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if left := b.max - b.read; int64(len(p)) > left+1 {
		p = p[:left+1]
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read > b.max {
		return 0, &codecs.LimitError{Limit: "max_bytes", Value: b.read, Max: b.max}
	}
	return n, err
}
