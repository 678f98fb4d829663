// Package blobimage wraps a gocloud.dev/blob bucket so that images written to
// it are checked, auto-oriented, optionally recompressed, and fanned out into
// named variants, at the storage layer.
//
// Wrap returns a Store whose Bucket field is a drop-in *blob.Bucket: hand it
// to code that knows nothing of images. Writes to keys matching a rule of the
// Config are intercepted (see write.go for the write path, step by step);
// other keys pass through untouched, so the wrapped bucket passes gocloud's
// own conformance suite. Variants live in their own key space
// (Options.VariantPrefix), hidden from List and refused to writers; Delete
// cascades to them and Copy copies the set. Store.Image rebuilds an
// ImageFile (format, displayed size, photo metadata, variants and their URLs)
// from one Attributes call.
//
// Failure is the normal case for untrusted uploads: a refused or failed write
// leaves the previous version of the key, original and variants, exactly as
// it was, and nothing of the attempt visible.
package blobimage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/color"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// Options tune how a Store works; what it does with images is its
// variants.Config (the ★ config file). The zero value is the defaults.
type Options struct {
	// VariantPrefix is the key space variants are stored under;
	// DefaultVariantPrefix when empty. It must end with "/". Writes to it
	// through the wrapper are refused and List hides it.
	VariantPrefix string
	// Concurrency bounds how many variants of one image are made at once;
	// 0 means GOMAXPROCS.
	Concurrency int
	// MemoryBudget bounds the memory, in bytes, that the Store's image
	// writes may hold at once for decoding and processing. A write is
	// charged what its decoder allocates (codecs.Info.DecodeMemory: from
	// 1 byte per pixel for grey JPEG to 17 for progressive colour JPEG)
	// plus 4 bytes per pixel for the oriented copy or the largest
	// intermediate, both at the scale it is decoded at. A baseline JPEG
	// decoded in strips into its largest variant is charged the strips
	// and that resample instead (codecs.Info.DecodeMemoryStrips,
	// variants.StripsMemory: 5.8 MB instead of 54 for 6 MP), and its full
	// charge only if the file turns out to need the whole decode.
	// Reserve charges other holders (request bodies). Writes
	// wait for room (see MemoryWait); an image that alone exceeds the
	// budget is refused with ErrTooLarge. 0 means DefaultMemoryBudget,
	// which fits one image at the default limits (even a 50 MP
	// progressive JPEG). It does not grow with Limits: raising max_pixels
	// admits larger images only once the budget is raised too, so a
	// decompression bomb cannot take memory the operator did not grant.
	// A released charge is garbage until the collector runs: when
	// admitting a charge would need that memory back, the Store runs the
	// collector first (runtime.GC), so that one large decode's garbage
	// and the next one's pixels are not in memory at once.
	MemoryBudget int64
	// MemoryWait bounds how long a write (or Reserve) waits for room in
	// the memory budget before giving up with ErrBusy; 0 means
	// DefaultMemoryWait, negative waits as long as the caller's context
	// allows.
	MemoryWait time.Duration
	// CleanupTimeout bounds the removal of a failed write's objects, which
	// runs on a fresh context because the caller's may be done; 0 means
	// 30 seconds.
	CleanupTimeout time.Duration
	// FanOut says when variants are made: during the write (Eager, the
	// default), on their first read (Lazy), or by a background worker
	// (Background, which needs Jobs).
	FanOut FanOut
	// Jobs receives a Job for each image write when FanOut is Background.
	Jobs JobSender
	// MaxTransforms bounds the signed transforms (Store.Transform) kept
	// per version of an original: making one more deletes the oldest.
	// 0 means DefaultMaxTransforms.
	MaxTransforms int
	// URLSigner, when set, makes the URLs of ImageFile and Store.URL
	// (unless the config's public_url is set): URLs to the application's
	// own image handler, signed so that it serves them without asking
	// for more (imagehttp.Signer, with imagehttp.ImageOptions.Signer).
	// Without it, the bucket signs its own URLs where it can (S3, GCS,
	// Azure), and there are no URLs where it cannot (file://, mem://).
	URLSigner URLSigner
	// Logger receives what blobimage does and what it could not tidy up;
	// nil means nothing is logged.
	Logger *slog.Logger
}

// URLSigner makes expiring URLs for GETting objects of the inner bucket:
// originals, and variants in the variant key space.
type URLSigner interface {
	SignedURL(ctx context.Context, key string, expiry time.Duration) (string, error)
}

// Store is a wrapped bucket: Bucket is the drop-in *blob.Bucket, and the
// methods answer image questions about it.
type Store struct {
	// Bucket is the wrapped bucket. Writes of image keys go through the
	// write path; everything else passes through to the inner bucket.
	Bucket *blob.Bucket

	inner  *blob.Bucket
	cfg    settings
	prefix string
	log    *slog.Logger
	drv    *wrapper
	rules  []compiledRule
	expiry time.Duration
	mem    *semaphore.Weighted
	// held and garbage count the budget's bytes taken and those given
	// back since the collector last ran (budget.go).
	held, garbage atomic.Int64
	gcMu          sync.Mutex
	flight        singleflight.Group // variants being made on read, by key
	keys          keyLocks           // commits and manifest rewrites, by key
	adopting      keyLocks           // Adopt calls, by key (adopt.go)
	// wholeDecode turns decoding in strips off (tests compare the two).
	wholeDecode bool
}

// DefaultMemoryBudget is Options.MemoryBudget's default: 1 GiB.
const DefaultMemoryBudget = 1 << 30

// workBytesPerPixel is what a write is charged per pixel of its upload on
// top of its decoder's memory: the oriented copy or the largest
// intermediate image.
const workBytesPerPixel = 4

// compiledRule is a config rule with what the write path needs precomputed.
type compiledRule struct {
	*variants.Rule
	fp      string   // fingerprint of the original policy, recorded in manifests
	specFPs []string // fpLen-digit fingerprint of each variant
	accept  map[codecs.Format]bool
	// private: the stored original carries no GPS position (strip gps or
	// all, or a recompressed original), so neither may the manifest,
	// which every backend returns as headers with the object.
	private bool
}

// settings is what a Store works by: its config and its options, with
// defaults filled in.
type settings struct {
	variants.Config
	Options
}

// Wrap returns a Store that writes images to bucket as cfg says (which keys
// hold images, what becomes of the original, the variants, the limits:
// the ★ config file, read with variants.LoadConfig or built in code; nil
// means variants.DefaultConfig()), tuned by opts (nil means the defaults).
// The Store does not own bucket: closing Store.Bucket leaves bucket open.
//
//	cfg, err := variants.LoadConfig("blobimage.yaml")
//	images, err := blobimage.Wrap(bucket, cfg, nil)
func Wrap(bucket *blob.Bucket, cfg *variants.Config, opts *Options) (*Store, error) {
	if bucket == nil {
		return nil, errors.New("blobimage: Wrap: nil bucket")
	}
	if cfg == nil {
		cfg = variants.DefaultConfig()
	}
	if opts == nil {
		opts = &Options{}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("blobimage: config: %w", err)
	}
	s := &Store{inner: bucket, cfg: settings{Config: *cfg, Options: *opts}, prefix: opts.VariantPrefix, log: opts.Logger}
	if s.prefix == "" {
		s.prefix = DefaultVariantPrefix
	}
	s.cfg.VariantPrefix = s.prefix
	if !strings.HasSuffix(s.prefix, "/") || s.prefix == "/" {
		return nil, fmt.Errorf("blobimage: VariantPrefix %q must be a non-empty folder ending in /", s.prefix)
	}
	if opts.FanOut == Background && opts.Jobs == nil {
		return nil, errors.New("blobimage: Background fan-out needs Options.Jobs")
	}
	if opts.FanOut < Eager || opts.FanOut > Background {
		return nil, fmt.Errorf("blobimage: unknown %v", opts.FanOut)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	// The Store keeps its own copy of the rules, so a caller changing its
	// config afterwards changes nothing here.
	s.cfg.Rules = slices.Clone(cfg.Rules)
	for i := range s.cfg.Rules {
		r := &s.cfg.Rules[i]
		// Configs built in code may leave the policy to its defaults, as
		// the config file may.
		if r.Original.Mode == "" {
			r.Original.Mode = variants.Keep
		}
		if r.Original.Strip == "" && r.Original.Mode == variants.Keep {
			r.Original.Strip = variants.StripGPS
		}
		r.Formats = slices.Clone(r.Formats)
		r.Variants = slices.Clone(r.Variants)
		for j := range r.Variants {
			r.Variants[j].Processors = slices.Clone(r.Variants[j].Processors)
		}
	}
	s.cfg.Limits = cfg.Limits.WithDefaults()
	if s.cfg.MemoryBudget <= 0 {
		s.cfg.MemoryBudget = DefaultMemoryBudget
	}
	s.mem = semaphore.NewWeighted(s.cfg.MemoryBudget)
	if s.cfg.MemoryWait == 0 {
		s.cfg.MemoryWait = DefaultMemoryWait
	}
	if s.cfg.CleanupTimeout <= 0 {
		s.cfg.CleanupTimeout = 30 * time.Second
	}
	if s.cfg.MaxTransforms <= 0 {
		s.cfg.MaxTransforms = DefaultMaxTransforms
	}
	s.expiry = time.Duration(cfg.URLExpiry)
	if s.expiry <= 0 {
		s.expiry = time.Hour
	}
	for i := range cfg.Rules {
		r, err := compileRule(&s.cfg.Rules[i])
		if err != nil {
			return nil, fmt.Errorf("blobimage: config: rules[%d]: %w", i, err)
		}
		s.rules = append(s.rules, r)
	}
	s.drv = &wrapper{s: s}
	s.Bucket = blob.NewBucket(s.drv)
	return s, nil
}

func compileRule(r *variants.Rule) (compiledRule, error) {
	c := compiledRule{Rule: r, accept: map[codecs.Format]bool{},
		private: r.Original.Mode != variants.Keep || r.Original.Strip != variants.StripNone}
	for _, f := range r.Formats {
		c.accept[f] = true
	}
	h := sha256.New()
	fmt.Fprintf(h, "original/v1 %s %s %s %d %d %d\n", r.Original.Mode, r.Original.Strip,
		r.Original.Format, r.Original.Quality, r.Original.MaxWidth, r.Original.MaxHeight)
	c.fp = hex.EncodeToString(h.Sum(nil))[:fpLen]
	worst := manifest{Hash: strings.Repeat("0", hashLen), Token: strings.Repeat("0", tokenLen),
		Format: codecs.JPEG, Width: 1 << 20, Height: 1 << 20, Placeholder: make([]byte, maxPlaceholder),
		Color: color.NRGBA{A: 255}, Frames: 1 << 20}
	for _, v := range r.Variants {
		fp := v.Fingerprint()[:fpLen]
		c.specFPs = append(c.specFPs, fp)
		mv := manifestVariant{Name: v.Name, FP: fp, Format: codecs.JPEG, Width: 1 << 20, Height: 1 << 20, Size: 1 << 40}
		for _, f := range v.Formats[:max(len(v.Formats)-1, 0)] {
			mv.Alts = append(mv.Alts, manifestAlt{Format: f, Size: 1 << 40})
		}
		worst.Variants = append(worst.Variants, mv)
	}
	if _, err := worst.encode(); err != nil {
		return c, fmt.Errorf("too many variants or names too long: %w", err)
	}
	return c, nil
}

// From returns the Store behind a bucket returned by Wrap (or opened by a
// blobimage URL), found with As.
func From(b *blob.Bucket) (*Store, bool) {
	var s *Store
	if b != nil && b.As(&s) {
		return s, true
	}
	return nil, false
}

// Driver returns the Store's driver.Bucket, for conformance harnesses such
// as gocloud's blob/drivertest. Applications use Store.Bucket.
func (s *Store) Driver() driver.Bucket { return s.drv }

// Inner returns the bucket the Store wraps. Writing to it bypasses
// blobimage.
func (s *Store) Inner() *blob.Bucket { return s.inner }

// Config returns the Store's config, with defaults filled in.
func (s *Store) Config() variants.Config { return s.cfg.Config }

// Options returns the Store's options, with defaults filled in.
func (s *Store) Options() Options { return s.cfg.Options }

// Rule returns the rule matching key, or nil if key is not an image key.
func (s *Store) Rule(key string) *variants.Rule {
	if r := s.match(key); r != nil {
		return r.Rule
	}
	return nil
}

func (s *Store) match(key string) *compiledRule {
	if s.reserved(key) {
		return nil
	}
	for i := range s.rules {
		if s.rules[i].Matches(key) {
			return &s.rules[i]
		}
	}
	return nil
}

// reserved reports whether key lies in the variant key space.
func (s *Store) reserved(key string) bool { return strings.HasPrefix(key, s.prefix) }

// Put writes r to key through the wrapped bucket, so an image key takes the
// write path, and returns the resulting ImageFile. It is Bucket.NewWriter
// plus Image; errors are those of the write.
//
// Put's ImageFile is the one place a GPS position that the key's rule
// strips is still reported: it is read from the upload and handed to the
// writer (to keep in the application's own database, say), but it is stored
// nowhere, so Image and everything served from the bucket never show it.
//
// When r knows its length (a file, a bytes.Reader: see readerSize), the
// upload is buffered in one slice of that size rather than grown as it
// arrives.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, opts *blob.WriterOptions) (*ImageFile, error) {
	rep := &writeReport{}
	ctx = context.WithValue(ctx, writeReportKey{}, rep)
	if n := readerSize(r); n > 0 {
		ctx = context.WithValue(ctx, uploadSizeKey{}, n)
	}
	w, err := s.Bucket.NewWriter(ctx, key, opts)
	if err != nil {
		return nil, err
	}
	if _, err := w.ReadFrom(r); err != nil {
		_ = w.Close()
		return nil, withCode(err)
	}
	if err := w.Close(); err != nil {
		return nil, withCode(err)
	}
	f, err := s.image(ctx, key)
	if err != nil {
		return nil, withCode(err)
	}
	if f.Metadata.GPS == nil && rep.gps != nil {
		f.Metadata.GPS = rep.gps
	}
	return f, nil
}

// writeReport carries what a write read from its upload but did not store
// back to Put, through the write's context (the wrapped bucket's writer is
// all Put has to reach the write path).
type writeReport struct {
	gps *metadata.GPS
}

type writeReportKey struct{}
