package blobimage

// The write path of one image, in the order it happens:
//
//  1. Match: NewTypedWriter found a rule for the key (driver.go); the bytes
//     are buffered up to Limits.MaxBytes (imageWriter).
//  2. Admit: codecs.Probe sniffs the content (never the name or the
//     declared type) and checks the header against the limits before a
//     pixel is allocated; the rule's formats are enforced.
//  3. Decode once (codecs.DecodeReduced: the format's own decoder, at the
//     smallest scale the variants allow, bounded by the context, panics
//     turned into errors) and read the photo metadata. A JPEG is decoded
//     in strips while its largest variant is resampled from them
//     (codecs.DecodeStrips, variants.RenderStrips), so its picture is
//     never held whole.
//  4. Original: keep the uploaded bytes (metadata stripped losslessly as
//     the rule says) or recompress them.
//  5. Variants: rendered concurrently, each from the smallest adequate image
//     already made, and turned upright by the EXIF orientation
//     (variants.RenderStored); each is written as soon as it is encoded,
//     under a key of its own version.
//  6. Commit: the original is written with its manifest (one write, so the
//     original and the list of its variants change together), then the
//     previous version's variants are deleted. A failure before the
//     original is written deletes this attempt's objects on a fresh context
//     and leaves the previous version untouched.
//  7. Keys in the variant space are refused to writers and hidden from List
//     (driver.go).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/metadata"
	"github.com/blobimage/blobimage/variants"
)

// variantCacheControl is set on every variant: a variant's key changes
// whenever its content could, so caches may keep it forever.
const variantCacheControl = "public, max-age=31536000, immutable"

// errExists is returned for an IfNotExist write to a key that exists.
var errExists = errors.New("object exists")

// imageWriter buffers an upload to an image key; Close (or Upload) runs the
// write path. Nothing reaches the inner bucket before the whole upload has
// been admitted, decoded and rendered.
type imageWriter struct {
	s    *Store
	ctx  context.Context
	key  string
	rule *compiledRule
	opts *blob.WriterOptions
	buf  uploadBuffer
	err  error // sticky error from Write
	done bool  // Upload ran the write path
}

// newImageWriter returns the writer of an upload to key under rule. The
// upload's size, when Store.Put knew it (uploadSizeKey), sizes its buffer.
func newImageWriter(ctx context.Context, s *Store, key string, rule *compiledRule, opts *blob.WriterOptions) *imageWriter {
	w := &imageWriter{s: s, ctx: ctx, key: key, rule: rule, opts: opts}
	if n, ok := ctx.Value(uploadSizeKey{}).(int); ok {
		w.buf.hint = w.sizeHint(n)
	}
	return w
}

// sizeHint is n, the announced size of the upload, if it is worth making
// a buffer that large for: not when the upload would be refused anyway.
func (w *imageWriter) sizeHint(n int) int {
	if max := w.s.cfg.Limits.MaxBytes; n <= 0 || max > 0 && int64(n) > max {
		return 0
	}
	return n
}

// uploadSizeKey is the context key under which Store.Put passes the size
// of its reader, when the reader knows it, to the writer it opens.
type uploadSizeKey struct{}

func (w *imageWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if max := w.s.cfg.Limits.MaxBytes; max > 0 && int64(w.buf.Len())+int64(len(p)) > max {
		w.err = fmt.Errorf("blobimage: write %q: %w", w.key,
			&codecs.LimitError{Limit: "max_bytes", Value: int64(w.buf.Len() + len(p)), Max: max})
		w.buf.Reset()
		return 0, w.err
	}
	return w.buf.Write(p)
}

// Upload reads the whole upload (within MaxBytes) and runs the write path.
func (w *imageWriter) Upload(r io.Reader) error {
	w.done = true
	defer w.buf.Reset()
	if n := w.sizeHint(readerSize(r)); n > 0 {
		w.buf.hint = n
	}
	max := w.s.cfg.Limits.MaxBytes
	if max > 0 {
		r = io.LimitReader(r, max+1)
	}
	if _, err := w.buf.ReadFrom(r); err != nil {
		return err
	}
	if max > 0 && int64(w.buf.Len()) > max {
		return fmt.Errorf("blobimage: write %q: %w", w.key,
			&codecs.LimitError{Limit: "max_bytes", Value: int64(w.buf.Len()), Max: max})
	}
	return w.s.writeImage(w.ctx, w.key, w.rule, w.buf.Bytes(), w.opts)
}

func (w *imageWriter) Close() error {
	if w.done {
		return nil
	}
	defer w.buf.Reset()
	if w.err != nil {
		return w.err
	}
	// The portable type cancels ctx before Close to abort a write (for
	// example on a ContentMD5 mismatch): then nothing may be written.
	if err := w.ctx.Err(); err != nil {
		return err
	}
	return w.s.writeImage(w.ctx, w.key, w.rule, w.buf.Bytes(), w.opts)
}

// writeImage runs steps 2–6 for data uploaded to key under rule. opts are
// the caller's writer options for the original.
func (s *Store) writeImage(ctx context.Context, key string, rule *compiledRule, data []byte, opts *blob.WriterOptions) (err error) {
	defer func() {
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("blobimage: write %q: %w", key, err)
		}
	}()
	if opts.IfNotExist {
		if ok, err := s.inner.Exists(ctx, key); err != nil {
			return err
		} else if ok {
			return errExists
		}
	}

	// 2 and 3. Admit, decode (as small as the specs allow), orient.
	var specs []variants.Spec
	if s.cfg.FanOut == Eager {
		specs = rule.Variants
	}
	first := 0
	recompress := rule.Original.Mode == variants.Recompress
	if recompress {
		specs = append([]variants.Spec{rule.Original.Spec()}, specs...)
		first = 1
	}
	// The placeholder's rendering comes last: it starts from the smallest
	// adequate image the others made. (Clip: specs may still be the
	// rule's own slice, shared by concurrent writes.)
	specs = append(slices.Clip(specs), placeholderSpec)
	phIndex := len(specs) - 1
	d, err := s.decode(ctx, key, data, specs)
	if err != nil {
		return err
	}
	defer d.release()
	info, meta, full, opaque, icc := d.info, d.meta, d.full, d.opaque, d.icc
	if len(rule.accept) > 0 && !rule.accept[info.Format] {
		return fmt.Errorf("%w: %s is not accepted here (accepted: %v)", ErrUnsupportedFormat, info.Format, rule.Formats)
	}

	// 4 and 5. The recompressed original, if any, is rendered as one more
	// spec, so variants can start from it when it is large enough.
	// Unless fan-out is eager, variants are only listed, as pending.
	m := &manifest{Hash: contentHash(data), Token: newToken(), Rule: rule.fp, Meta: meta,
		Source: info.Format, Alpha: !opaque, Frames: info.Frames, Variants: make([]manifestVariant, len(rule.Variants))}
	if rule.private {
		// The position leaves the stored file, so it stays out of the
		// manifest too: only Put's result reports it, to the writer.
		if rep, ok := ctx.Value(writeReportKey{}).(*writeReport); ok {
			rep.gps = meta.GPS
		}
		m.Meta.GPS = nil
	}
	if s.cfg.FanOut != Eager {
		for i, spec := range rule.Variants {
			m.Variants[i] = manifestVariant{Name: spec.Name, FP: rule.specFPs[i], Pending: true}.
				withFormats(spec.FormatsFor(info.Format, opaque, info.Frames))
		}
	}
	tx := &txn{s: s, key: key}
	frames := newFrameSource(s, key, data, d)
	defer frames.close()
	var (
		reencoded []byte
		recFormat codecs.Format
		recSize   image.Point
	)
	err = d.render(ctx, specs, s.cfg.Concurrency, func(i int, out image.Image) error {
		if i == phIndex {
			ph, err := makePlaceholder(out)
			m.Placeholder, m.Color = ph.hash, ph.color
			return err
		}
		spec := specs[i]
		fs := spec.FormatsFor(info.Format, opaque, info.Frames)
		size, encs, err := s.encodeVariant(ctx, frames, out, fs, spec, icc)
		if err != nil {
			return err
		}
		if recompress && i == 0 {
			reencoded, recFormat, recSize = encs[0], fs[0], size
			return nil
		}
		vi := i - first
		mv := manifestVariant{Name: spec.Name, FP: rule.specFPs[vi], Width: size.X, Height: size.Y}.withFormats(fs)
		for j, vk := range m.keysOf(s.prefix, key, mv) {
			if err := tx.write(ctx, vk, encs[j], fs[j], size, false); err != nil {
				return err
			}
		}
		mv.setSizes(encs)
		m.Variants[vi] = mv
		return nil
	})
	// Every rendering is made: the pixels go, and their share of the
	// memory budget with them, before the original is stripped and
	// handed to the bucket.
	d.dropPixels()
	frames.drop()
	if err != nil {
		tx.rollback(ctx)
		return err
	}

	// The original's bytes.
	orig, origFormat, origSize := data, info.Format, full
	switch {
	case recompress && (recFormat != info.Format || recSize != full || len(reencoded) < len(data)):
		orig, origFormat, origSize = reencoded, recFormat, recSize
	case recompress:
		// Re-encoding only made it larger: keep the upload, without
		// metadata, as a recompressed original would be.
		orig, err = s.strip(ctx, key, d, data, variants.StripAll)
	default:
		orig, err = s.strip(ctx, key, d, data, rule.Original.Strip)
	}
	if err != nil {
		tx.rollback(ctx)
		return err
	}
	m.Format, m.Width, m.Height = origFormat, origSize.X, origSize.Y

	// 6. Commit.
	wo := *opts
	wo.ContentType = origFormat.MediaType()
	wo.DisableContentTypeDetection = false
	if !bytes.Equal(orig, data) {
		wo.ContentMD5 = nil // the caller's checksum was of the upload
	}
	if err := s.commit(ctx, key, tx, m, orig, &wo); err != nil {
		return err
	}
	if s.cfg.FanOut == Background && len(m.Variants) > 0 {
		// The write has landed; a job that cannot be sent leaves the
		// variants pending, to be made by their first read or by regen.
		if err := s.cfg.Jobs.SendJob(ctx, Job{Key: key, Token: m.Token}); err != nil {
			s.log.WarnContext(ctx, "blobimage: fan-out job not sent; variants stay pending", "key", key, "err", err)
		}
	}
	return nil
}

// decoded is an admitted upload, decoded, holding its share of the memory
// budget until release is called.
type decoded struct {
	info codecs.Info
	meta metadata.Metadata
	img  image.Image // as stored: orientation turns it upright
	// strips, when set instead of img, decodes the picture in strips
	// (see render).
	strips *variants.Strips
	// orientation is the EXIF orientation to apply: meta.Orientation, or
	// 1 for a format whose decoder applies the container's own transforms
	// (HEIF, AVIF: codecs.Info.Oriented), whose EXIF orientation only
	// describes the file.
	orientation int
	full        image.Point // the whole upright picture's size
	opaque      bool
	icc         []byte // the colour profile to carry into re-encoded images
	// mf is the upload's metadata container, parsed once (nil when it
	// could not be parsed: mfErr says why).
	mf      *metadata.File
	mfErr   error
	release func()
}

// dropPixels lets go of the decoded picture, once every rendering of it
// has been made, and gives back the write's share of the memory budget:
// what is left (metadata, the parsed container) is what the commit needs.
func (d *decoded) dropPixels() {
	d.img, d.strips = nil, nil
	d.release()
}

// decode runs steps 2 and 3 of the write path on data: the header checked
// against the limits before a pixel is allocated, room taken in the memory
// budget, one decode, the photo metadata read. The picture is left as
// stored: variants.RenderStored turns each variant upright, which for the
// usual fit and resize specs means turning small images, not the source.
// The decode is at the smallest scale from which every one of specs can be
// made (variants.Need; JPEG decodes at 1/2, 1/4 or 1/8 in the DCT domain),
// so d.img may be smaller than d.full; with no specs it is the smallest the
// decoder offers, which still checks every byte of the image. A picture
// whose codec can deliver it in strips (a baseline JPEG) is not decoded
// here but by d.render, strip by strip; its decode errors are render's.
func (s *Store) decode(ctx context.Context, key string, data []byte, specs []variants.Spec) (*decoded, error) {
	info, err := codecs.Probe(data, s.cfg.Limits)
	if err != nil {
		return nil, err
	}
	// The container is parsed once; its metadata, colour profile and
	// stripped copy all come from that one parse.
	mf, mfErr := metadata.Parse(info.Format, data)
	var meta metadata.Metadata
	merr := mfErr
	if mf != nil {
		// A damaged segment the strip drops or skips is logged, with
		// the key, where the Store logs.
		mf = mf.WithLogger(s.log.With("key", key))
		meta, merr = mf.Metadata()
	}
	if merr != nil {
		s.log.DebugContext(ctx, "blobimage: metadata partly unreadable", "key", key, "err", merr)
	}
	orientation := meta.Orientation
	if info.Oriented {
		orientation = 1
	}
	full := image.Pt(info.Width, info.Height)
	transposed := orientation >= 5 && orientation <= 8
	if transposed {
		full = image.Pt(full.Y, full.X)
	}
	need := variants.Need(full, specs)
	if need == (image.Point{}) {
		need = image.Pt(1, 1)
	}
	if transposed {
		need = image.Pt(need.Y, need.X)
	}
	// Room in the memory budget for the picture at the scale it is
	// decoded at, and the work on it (or, decoded in strips, for the
	// strips and the resample). The limit is checked at full size,
	// so that whether an upload is admitted does not depend on the specs.
	if full := info.DecodeMemory() + int64(info.Width)*int64(info.Height)*workBytesPerPixel; full > s.cfg.MemoryBudget {
		return nil, &codecs.LimitError{Limit: "memory_budget", Value: full, Max: s.cfg.MemoryBudget, Width: info.Width, Height: info.Height}
	}
	denom := codecs.ReduceScale(info, need)
	sw, sh := codecs.ScaledSize(info.Width, info.Height, denom)
	whole := info.DecodeMemoryScaled(denom) + int64(sw)*int64(sh)*workBytesPerPixel
	strips := len(specs) > 0 && !s.wholeDecode && !info.Progressive && codecs.DecodesInStrips(info) &&
		(info.ColorModel == color.YCbCrModel || info.ColorModel == color.GrayModel)
	cost := whole
	if strips {
		// Decoded in strips into the largest variant's resample, the
		// picture is never held whole: the charge is the strip decoder's
		// and the resample's.
		if m, ok := variants.StripsMemory(image.Pt(sw, sh), orientation, full, specs); ok {
			cost = min(whole, info.DecodeMemoryStrips()+m)
		}
	}
	if err := s.acquire(ctx, cost); err != nil {
		return nil, err
	}
	var charged atomic.Int64 // the charge held, which Whole may raise
	charged.Store(cost)
	d := &decoded{
		info: info, meta: meta, full: full, orientation: orientation,
		icc: s.colourProfile(ctx, key, mf), mf: mf, mfErr: mfErr,
		release: sync.OnceFunc(func() { s.release(charged.Load()) }),
	}
	if strips {
		// Left to be decoded in strips while the largest variant is
		// resampled from them (d.render), so that the picture is never
		// held whole; its colour model has no alpha.
		d.opaque = true
		d.strips = &variants.Strips{
			Size: image.Pt(sw, sh),
			Deliver: func(emit func(image.Image) error) (bool, error) {
				_, err := codecs.DecodeStrips(ctx, data, s.cfg.Limits, need, emit)
				if errors.Is(err, codecs.ErrNoStrips) {
					return false, nil
				}
				return true, err
			},
			Whole: func() (image.Image, error) {
				// The file needs the whole decode after all (one scan per
				// component): its full charge, taken with nothing held, so
				// that writes topping up their charges never wait on one
				// another.
				if c := charged.Load(); c < whole {
					s.release(c)
					charged.Store(0)
					if err := s.acquire(ctx, whole); err != nil {
						return nil, err
					}
					charged.Store(whole)
				}
				img, _, err := codecs.DecodeReduced(ctx, data, s.cfg.Limits, need)
				return img, err
			},
		}
		return d, nil
	}
	img, _, err := codecs.DecodeReduced(ctx, data, s.cfg.Limits, need)
	if err != nil {
		d.release()
		return nil, err
	}
	d.img, d.opaque = img, codecs.Opaque(img)
	return d, nil
}

// render makes the images of specs from the picture (variants.RenderStored
// with d's orientation and size), or, when decode left it to be decoded in
// strips, as the strips are decoded (variants.RenderStrips); a decode
// error is then render's.
func (d *decoded) render(ctx context.Context, specs []variants.Spec, concurrency int, emit func(i int, img image.Image) error) error {
	if d.strips != nil {
		return variants.RenderStrips(ctx, *d.strips, d.orientation, d.full, specs, concurrency, emit)
	}
	return variants.RenderStored(ctx, d.img, d.orientation, d.full, specs, concurrency, emit)
}

// colourProfile returns the ICC profile to carry into re-encoded images:
// the source's, unless it is sRGB (what viewers assume for untagged images)
// or unreadable.
func (s *Store) colourProfile(ctx context.Context, key string, mf *metadata.File) []byte {
	if mf == nil {
		return nil
	}
	icc, err := mf.ICC()
	if err != nil {
		s.log.DebugContext(ctx, "blobimage: ICC profile unreadable", "key", key, "err", err)
		return nil
	}
	if len(icc) == 0 || metadata.IsSRGB(icc) {
		return nil
	}
	return icc
}

// encodeAll encodes one rendering of spec in each of fs, embedding icc
// when given, and returns the encodings in the order of fs. They run
// concurrently: an AVIF encode takes far longer than the rest.
func (s *Store) encodeAll(ctx context.Context, img image.Image, fs []codecs.Format, spec variants.Spec, icc []byte) ([][]byte, error) {
	encs := make([][]byte, len(fs))
	errs := make([]error, len(fs))
	encode := func(i int) {
		var buf bytes.Buffer
		f := fs[i]
		if err := codecs.EncodeContext(ctx, &buf, img, f, spec.EncodeOptions()); err != nil {
			errs[i] = fmt.Errorf("encode %s as %s: %w", spec.Name, f, err)
			return
		}
		encs[i] = buf.Bytes()
		if len(icc) > 0 {
			encs[i], errs[i] = metadata.EmbedICC(f, encs[i], icc)
		}
	}
	if len(fs) == 1 {
		encode(0)
	} else {
		var wg sync.WaitGroup
		for i := range fs {
			wg.Go(func() { encode(i) })
		}
		wg.Wait()
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return encs, nil
}

// strip removes metadata from a kept original without re-encoding it, as
// policy says, from d's parsed container, and cuts whatever follows the
// image (a zip, an HTML page, a phone's depth maps). If the GPS-only rewrite cannot
// parse the metadata, all of it is dropped rather than risk storing a
// position the rule says must not be stored.
func (s *Store) strip(ctx context.Context, key string, d *decoded, data []byte, policy variants.Strip) ([]byte, error) {
	if d.mf == nil {
		return nil, fmt.Errorf("%w: metadata cannot be stripped: %v", ErrCorrupt, d.mfErr)
	}
	if policy == variants.StripNone {
		// Nothing rides along: the stored file ends where the image does
		// (StripGPS and StripAll end there too).
		out, err := d.mf.Trim()
		if err != nil {
			return nil, fmt.Errorf("%w: the image's end cannot be found: %v", ErrCorrupt, err)
		}
		return out, nil
	}
	if policy == variants.StripGPS {
		out, err := d.mf.StripGPS()
		if err == nil {
			return out, nil
		}
		s.log.WarnContext(ctx, "blobimage: GPS could not be cut out; dropping all metadata", "key", key, "err", err)
	}
	out, err := d.mf.StripAll(d.orientation)
	if err != nil {
		return nil, fmt.Errorf("%w: metadata cannot be stripped: %v", ErrCorrupt, err)
	}
	return out, nil
}

// commit writes the original with its manifest and then deletes the
// variants of the version it replaced. tx holds the variants already
// written for m; they are removed if the original cannot be written.
func (s *Store) commit(ctx context.Context, key string, tx *txn, m *manifest, orig []byte, wo *blob.WriterOptions) error {
	value, err := m.encode()
	if err != nil {
		tx.rollback(ctx)
		return err
	}
	// The previous version's manifest says which variants become stale.
	// Not being able to read it does not stop the write: its variants
	// are then left as invisible orphans for the reconcile step. (fileblob,
	// for one, can fail a read of attributes another process is rewriting.)
	unlock := s.keys.lock(key)
	defer unlock()
	if err := s.stillCurrent(ctx, key); err != nil {
		tx.rollback(ctx)
		return err
	}
	prev, err := s.readManifest(ctx, key)
	if err != nil {
		if ctx.Err() != nil {
			tx.rollback(ctx)
			return ctx.Err()
		}
		s.log.WarnContext(ctx, "blobimage: previous manifest unreadable; its variants may be orphaned", "key", key, "err", err)
		prev = nil
	}
	md := make(map[string]string, len(wo.Metadata)+1)
	maps.Copy(md, wo.Metadata)
	md[manifestKey] = value
	wo.Metadata = md
	if err := s.inner.Upload(ctx, key, bytes.NewReader(orig), wo); err != nil {
		tx.rollback(ctx)
		return err
	}
	s.log.DebugContext(ctx, "blobimage: committed", "key", key, "variants", len(m.Variants), "bytes", len(orig))
	if prev != nil {
		keep := m.keys(s.prefix, key)
		var stale []string
		for _, k := range prev.keys(s.prefix, key) {
			if !slices.Contains(keep, k) {
				stale = append(stale, k)
			}
		}
		s.deleteQuietly(ctx, stale)
		if prev.Token != m.Token {
			s.deleteRenditions(ctx, key, prev)
		}
	}
	return nil
}

// readManifest returns the manifest stored with the object at key, or nil
// when there is no object, or no (valid) manifest.
func (s *Store) readManifest(ctx context.Context, key string) (*manifest, error) {
	a, err := s.inner.Attributes(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.manifestOf(ctx, key, a), nil
}

// manifestOf decodes the manifest in a, logging (and ignoring) one that is
// malformed.
func (s *Store) manifestOf(ctx context.Context, key string, a *blob.Attributes) *manifest {
	v, ok := a.Metadata[manifestKey]
	if !ok {
		return nil
	}
	m, err := decodeManifest(v)
	if err != nil {
		s.log.WarnContext(ctx, "blobimage: ignoring malformed manifest", "key", key, "err", err)
		return nil
	}
	return m
}

// cleanupContext returns a context for tidying up after ctx is done: it
// keeps ctx's values but not its cancellation, bounded by CleanupTimeout.
func (s *Store) cleanupContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.cfg.CleanupTimeout)
}

// deleteQuietly deletes keys on a clean-up context, ignoring those already
// gone and logging other failures: what it misses are orphans, invisible
// through the wrapper, which regen removes.
func (s *Store) deleteQuietly(ctx context.Context, keys []string) {
	if len(keys) == 0 {
		return
	}
	cctx, cancel := s.cleanupContext(ctx)
	defer cancel()
	for _, k := range keys {
		if err := s.inner.Delete(cctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			s.log.WarnContext(ctx, "blobimage: could not delete variant", "key", k, "err", err)
		}
	}
}

// txn records the variant objects one attempt writes, so a failure can
// remove them.
type txn struct {
	s   *Store
	key string // the original's key

	mu      sync.Mutex
	written []string
}

// write stores one encoding of a variant, in format f, of the given size
// (recorded in the object's own metadata too, so a variant made by
// another process can be described without decoding it). The key is
// recorded before the write starts: a write that fails may still have
// landed. With ifNotExist an existing object is left as it is (and not
// recorded) and the error is errExists.
func (t *txn) write(ctx context.Context, vk string, data []byte, f codecs.Format, size image.Point, ifNotExist bool) error {
	t.mu.Lock()
	t.written = append(t.written, vk)
	t.mu.Unlock()
	err := t.s.inner.Upload(ctx, vk, bytes.NewReader(data), &blob.WriterOptions{
		ContentType:  f.MediaType(),
		CacheControl: variantCacheControl,
		Metadata:     map[string]string{manifestKey: fmt.Sprintf("%dx%d", size.X, size.Y)},
		IfNotExist:   ifNotExist,
	})
	if ifNotExist && gcerrors.Code(err) == gcerrors.FailedPrecondition {
		t.mu.Lock()
		t.written = slices.DeleteFunc(t.written, func(k string) bool { return k == vk })
		t.mu.Unlock()
		return errExists
	}
	return err
}

// copy records a variant copied server-side from src to vk.
func (t *txn) copy(ctx context.Context, vk, src string) error {
	t.mu.Lock()
	t.written = append(t.written, vk)
	t.mu.Unlock()
	return t.s.inner.Copy(ctx, vk, src, nil)
}

// rollback deletes what the attempt wrote, except keys the live manifest
// references (possible only if the original's write reported failure but
// landed).
func (t *txn) rollback(ctx context.Context) {
	t.mu.Lock()
	written := slices.Clone(t.written)
	t.mu.Unlock()
	if len(written) == 0 {
		return
	}
	cctx, cancel := t.s.cleanupContext(ctx)
	defer cancel()
	if live, err := t.s.readManifest(cctx, t.key); err == nil && live != nil {
		keep := live.keys(t.s.prefix, t.key)
		written = slices.DeleteFunc(written, func(k string) bool { return slices.Contains(keep, k) })
	}
	t.s.deleteQuietly(ctx, written)
}
