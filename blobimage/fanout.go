package blobimage

// Making variants after the write: lazily on a read miss, by a background
// worker, or by Regenerate and Reconcile. All of them work from the stored
// original and its manifest, never from the upload, and all of them write
// variants with IfNotExist under the version's own keys, so any number of
// them (in any number of processes) may race on one original and make each
// object once.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/codecs"
	"github.com/blobimage/blobimage/variants"
)

// FanOut says when a Store makes the variants of an image it is writing.
type FanOut int

const (
	// Eager makes every variant during the write (the default): when the
	// write returns, the whole set exists.
	Eager FanOut = iota
	// Lazy stores the original with its variants listed as pending and
	// makes each on its first read (django-imagekit's just-in-time
	// strategy): a read of a pending variant's key through the wrapped
	// bucket, or ImageFile.URL, makes it then. Writes are as fast as a
	// decode; the first reader of each variant pays for it.
	Lazy
	// Background stores the original as Lazy does and then sends a Job to
	// Options.Jobs; a Worker (package queue) receives it and makes the
	// variants. Reads before the worker gets there make them lazily.
	Background
)

// String returns "eager", "lazy" or "background".
func (f FanOut) String() string {
	switch f {
	case Eager:
		return "eager"
	case Lazy:
		return "lazy"
	case Background:
		return "background"
	}
	return "FanOut(" + strconv.Itoa(int(f)) + ")"
}

// ParseFanOut parses the names String returns.
func ParseFanOut(s string) (FanOut, error) {
	for _, f := range []FanOut{Eager, Lazy, Background} {
		if s == f.String() {
			return f, nil
		}
	}
	return 0, fmt.Errorf("blobimage: fan-out %q: want eager, lazy or background", s)
}

// Job asks a worker to bring the variants of one original up to date.
type Job struct {
	// Key is the original's key.
	Key string `json:"key"`
	// Token is the write token of the version the job was sent for; a job
	// for a version that has since been replaced is done at once. Empty
	// means whatever version is current (as regen sends).
	Token string `json:"token,omitempty"`
}

// Marshal returns the job's message body.
func (j Job) Marshal() []byte {
	b, _ := json.Marshal(j) // two strings
	return b
}

// ParseJob parses a message body made by Job.Marshal.
func ParseJob(body []byte) (Job, error) {
	var j Job
	if err := json.Unmarshal(body, &j); err != nil {
		return Job{}, fmt.Errorf("blobimage: job: %w", err)
	}
	if j.Key == "" {
		return Job{}, errors.New("blobimage: job: no key")
	}
	return j, nil
}

// JobSender sends fan-out jobs: Options.Jobs with Background fan-out. The
// queue package adapts a gocloud.dev/pubsub topic.
type JobSender interface {
	SendJob(ctx context.Context, job Job) error
}

// errSuperseded: the original was replaced while its variants were being
// made; the new version is its writer's business.
var errSuperseded = errors.New("original replaced while its variants were made")

// Process does one job: it brings the variants of job.Key up to date, as
// Regenerate does, unless job.Token names a version that is no longer
// current (then there is nothing to do). It returns nil when the work is
// done or moot, so a worker may acknowledge the job; an error means the
// job should be tried again, except errors matching ErrNotImage,
// ErrUnsupportedFormat, ErrCorrupt or ErrTooLarge, which will not go away.
func (s *Store) Process(ctx context.Context, job Job) error {
	_, err := s.regenerate(ctx, job.Key, job.Token)
	if errors.Is(err, errSuperseded) || errors.Is(err, ErrUnmanaged) && job.Token != "" {
		s.log.DebugContext(ctx, "blobimage: job for a replaced version", "key", job.Key, "token", job.Token)
		return nil
	}
	return withCode(err)
}

// Regenerate brings the original at key up to date with the Store's
// config and returns what it did: it makes pending, missing and stale
// variants, drops variants the config no longer lists, and updates the
// manifest. An object under an image rule without a manifest (written past
// the wrapper) is adopted: it goes through the write path as if uploaded.
// A key matching no rule is ErrUnmanaged.
func (s *Store) Regenerate(ctx context.Context, key string) (*Outcome, error) {
	out, err := s.regenerate(ctx, key, "")
	return out, withCode(err)
}

// Outcome is what Regenerate did (or, in a dry run, would do) to one
// original.
type Outcome struct {
	Key string `json:"key"`
	// Adopted: the object had no manifest and went through the write path.
	// Reprocessed: the rule's original policy changed, so it went through
	// the write path again.
	Adopted     bool `json:"adopted,omitempty"`
	Reprocessed bool `json:"reprocessed,omitempty"`
	// Promoted: Key was written from a direct upload's staged object
	// (Adopt of a staging key; see Store.Promote).
	Promoted bool `json:"promoted,omitempty"`
	// Redacted: the manifest held a GPS position that the rule strips
	// (written before blobimage kept positions out of manifests); the
	// manifest is rewritten without it.
	Redacted bool `json:"redacted,omitempty"`
	// Summarised: the manifest had no placeholder (written before
	// blobimage kept one); the original is decoded once to add the
	// placeholder, colour and frame count (ImageFile.Placeholder).
	Summarised bool `json:"summarised,omitempty"`
	// Created lists variants made for the first time (new in the config,
	// or pending); Restored those listed as made but missing; Regenerated
	// those whose spec changed; Dropped those no longer in the config.
	Created     []string `json:"created,omitempty"`
	Restored    []string `json:"restored,omitempty"`
	Regenerated []string `json:"regenerated,omitempty"`
	Dropped     []string `json:"dropped,omitempty"`
	// Written and Deleted count the bytes of variant objects written and
	// deleted.
	Written int64 `json:"written,omitempty"`
	Deleted int64 `json:"deleted,omitempty"`
}

// Changed reports whether the outcome changed (or would change) anything.
func (o *Outcome) Changed() bool {
	return o.Adopted || o.Reprocessed || o.Promoted || o.Redacted || o.Summarised || len(o.Created)+len(o.Restored)+len(o.Regenerated)+len(o.Dropped) > 0
}

// regenerate is Regenerate, optionally only for the version with the given
// write token.
func (s *Store) regenerate(ctx context.Context, key, token string) (*Outcome, error) {
	out, plan, err := s.plan(ctx, key, token)
	if err != nil || !out.Changed() {
		return out, err
	}
	if err := s.apply(ctx, plan, out); err != nil {
		return out, fmt.Errorf("blobimage: regenerate %q: %w", key, err)
	}
	return out, nil
}

// regenPlan is what plan found out about one original.
type regenPlan struct {
	key   string
	rule  *compiledRule
	attrs *blob.Attributes
	m     *manifest // nil: adopt
	next  *manifest // the manifest once the work is done
	make  []int     // indexes into rule.Variants (and next.Variants) to make
	found []int     // … to record: made, but not in the manifest yet
	drop  []string  // variant keys to delete once next is committed
	sizes map[string]int64
}

// plan works out what Regenerate would do to key, without changing
// anything. With a token, a manifest of another version is errSuperseded.
func (s *Store) plan(ctx context.Context, key, token string) (*Outcome, *regenPlan, error) {
	out := &Outcome{Key: key}
	rule := s.match(key)
	if rule == nil {
		return out, nil, fmt.Errorf("blobimage: regenerate %q: %w: no rule matches", key, ErrUnmanaged)
	}
	a, err := s.inner.Attributes(ctx, key)
	if err != nil {
		if token != "" && gcerrors.Code(err) == gcerrors.NotFound {
			return out, nil, errSuperseded
		}
		return out, nil, fmt.Errorf("blobimage: regenerate %q: %w", key, innerError{err})
	}
	p := &regenPlan{key: key, rule: rule, attrs: a, m: s.manifestOf(ctx, key, a)}
	m := p.m
	switch {
	case m == nil && token != "":
		return out, nil, errSuperseded
	case m == nil:
		out.Adopted = true
		return out, p, nil
	case token != "" && m.Token != token:
		return out, nil, errSuperseded
	case !samePolicy(m.Rule, rule):
		out.Reprocessed = true
		return out, p, nil
	}

	// Which objects of this version exist, with their sizes.
	p.sizes = map[string]int64{}
	objs, err := s.versionObjects(ctx, key, m, "")
	if err != nil {
		return out, nil, fmt.Errorf("blobimage: regenerate %q: list variants: %w", key, err)
	}
	for _, o := range objs {
		p.sizes[o.Key] = o.Size
	}

	next := *m
	next.Rule = rule.fp
	if rule.private && m.Meta.GPS != nil {
		out.Redacted = true
		next.Meta.GPS = nil
	}
	out.Summarised = m.Placeholder == nil
	next.Variants = make([]manifestVariant, len(rule.Variants))
	want := expected(m, rule)
	have := map[string]manifestVariant{}
	for _, v := range m.Variants {
		have[v.Name] = v
	}
	for i, spec := range rule.Variants {
		fp := rule.specFPs[i]
		old, listed := have[spec.Name]
		delete(have, spec.Name)
		switch {
		case listed && old.FP == fp && !old.Pending:
			if allExist(p.sizes, m.keysOf(s.prefix, key, old)) {
				next.Variants[i] = old
				continue
			}
			out.Restored = append(out.Restored, spec.Name)
		case listed && old.FP == fp:
			out.Created = append(out.Created, spec.Name)
		case listed:
			out.Regenerated = append(out.Regenerated, spec.Name)
			p.drop = append(p.drop, m.keysOf(s.prefix, key, old)...)
		default:
			out.Created = append(out.Created, spec.Name)
		}
		next.Variants[i] = want[i]
		if allExist(p.sizes, m.keysOf(s.prefix, key, want[i])) {
			p.found = append(p.found, i) // made by a lazy read: only record it
		} else {
			p.make = append(p.make, i)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(have)) {
		out.Dropped = append(out.Dropped, name)
		p.drop = append(p.drop, m.keysOf(s.prefix, key, have[name])...)
	}
	p.next = &next
	return out, p, nil
}

// samePolicy reports whether a manifest recording the original policy
// fingerprint fp has the original rule r would store: then only variants
// need work.
func samePolicy(fp string, r *compiledRule) bool { return fp == r.fp }

// apply does what plan found.
func (s *Store) apply(ctx context.Context, p *regenPlan, out *Outcome) error {
	data, err := s.inner.ReadAll(ctx, p.key)
	if err != nil {
		return err
	}
	if p.m == nil || out.Reprocessed {
		// Adopt (or reprocess) through the write path, keeping the
		// object's own attributes and metadata, unless the object is
		// replaced meanwhile (then commit finds it is not the version
		// read here).
		ctx := context.WithValue(ctx, replacesKey{}, p.attrs)
		if err := s.writeImage(ctx, p.key, p.rule, data, writerOptionsOf(p.attrs, nil)); err != nil {
			return err
		}
		if p.m != nil {
			for _, k := range p.m.keys(s.prefix, p.key) {
				out.Deleted += p.sizes[k]
			}
		}
		return nil
	}
	next := p.next
	tx := &txn{s: s, key: p.key}
	for _, i := range p.found {
		mv, err := s.describeVariant(ctx, next.keysOf(s.prefix, p.key, next.Variants[i]), next.Variants[i])
		if err != nil {
			return err
		}
		next.Variants[i] = mv
	}
	if len(p.make) > 0 || out.Summarised {
		made, written, err := s.makeVariants(ctx, p.key, data, next, p.make, tx, out.Summarised)
		if err != nil {
			tx.rollback(ctx)
			return err
		}
		for j, i := range p.make {
			next.Variants[i] = made[j]
		}
		out.Written += written
	}
	// Commit: rewrite the original, as it is, with the new manifest, unless
	// it was replaced meanwhile (by this process: not between the check and
	// the rewrite).
	unlock := s.keys.lock(p.key)
	defer unlock()
	a, err := s.inner.Attributes(ctx, p.key)
	if err != nil || !sameVersion(a, p.attrs) {
		tx.rollback(ctx)
		if err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return err
		}
		return errSuperseded
	}
	value, err := next.encode()
	if err != nil {
		tx.rollback(ctx)
		return err
	}
	if err := s.inner.WriteAll(ctx, p.key, data, writerOptionsOf(p.attrs, &value)); err != nil {
		tx.rollback(ctx)
		return err
	}
	for _, k := range p.drop {
		out.Deleted += p.sizes[k]
	}
	s.deleteQuietly(ctx, p.drop)
	return nil
}

// writerOptionsOf returns options that rewrite an object with the
// attributes a says it has; manifest, when non-nil, replaces the manifest,
// else the manifest is left out.
func writerOptionsOf(a *blob.Attributes, manifest *string) *blob.WriterOptions {
	wo := &blob.WriterOptions{
		CacheControl:       a.CacheControl,
		ContentDisposition: a.ContentDisposition,
		ContentEncoding:    a.ContentEncoding,
		ContentLanguage:    a.ContentLanguage,
		ContentType:        a.ContentType,
		Metadata:           map[string]string{},
	}
	for k, v := range a.Metadata {
		if k != manifestKey {
			wo.Metadata[k] = v
		}
	}
	if manifest != nil {
		wo.Metadata[manifestKey] = *manifest
	}
	return wo
}

// makeVariants makes the variants m.Variants[i] for i in which, from data,
// the stored original at key, and writes each with IfNotExist. A variant
// another process made first is kept and described from its attributes.
// The returned entries are in the order of which; written counts the bytes
// this call wrote. With summarise, m's placeholder, colour and frame count
// are made too, from the same decode (for a manifest written before they
// were kept).
func (s *Store) makeVariants(ctx context.Context, key string, data []byte, m *manifest, which []int, tx *txn, summarise bool) (made []manifestVariant, written int64, err error) {
	rule := s.match(key)
	if rule == nil {
		return nil, 0, fmt.Errorf("%w: no rule matches", ErrUnmanaged)
	}
	specs := make([]variants.Spec, len(which))
	for j, i := range which {
		specs[j] = rule.Variants[i]
	}
	if summarise {
		specs = append(specs, placeholderSpec)
	}
	d, err := s.decode(ctx, key, data, specs)
	if err != nil {
		return nil, 0, err
	}
	defer d.release()
	if summarise {
		m.Frames = d.info.Frames
	}
	frames := newFrameSource(s, key, data, d)
	defer frames.close()
	made = make([]manifestVariant, len(which))
	var mu sync.Mutex
	err = d.render(ctx, specs, s.cfg.Concurrency, func(j int, img image.Image) error {
		if j == len(which) {
			ph, err := makePlaceholder(img)
			m.Placeholder, m.Color = ph.hash, ph.color
			return err
		}
		mv := m.Variants[which[j]]
		fs := mv.formats()
		size, encs, err := s.encodeVariant(ctx, frames, img, fs, specs[j], d.icc)
		if err != nil {
			return err
		}
		mv.Width, mv.Height, mv.Pending = size.X, size.Y, false
		mv.setSizes(encs)
		// Each encoding is written unless another process made it first;
		// then the size is that object's.
		for i, vk := range m.keysOf(s.prefix, key, mv) {
			err := tx.write(ctx, vk, encs[i], fs[i], size, true)
			if errors.Is(err, errExists) {
				var a *blob.Attributes
				if a, err = s.inner.Attributes(ctx, vk); err == nil {
					mv.setSize(i, a.Size)
				}
			} else if err == nil {
				mu.Lock()
				written += int64(len(encs[i]))
				mu.Unlock()
			}
			if err != nil {
				return err
			}
		}
		made[j] = mv
		return nil
	})
	return made, written, err
}

// describeVariant fills mv's dimensions and sizes from the attributes of
// its encodings' objects at keys (in the order of mv.formats()), made by
// another process.
func (s *Store) describeVariant(ctx context.Context, keys []string, mv manifestVariant) (manifestVariant, error) {
	mv.Pending = false
	var a *blob.Attributes
	for i, vk := range keys {
		var err error
		if a, err = s.inner.Attributes(ctx, vk); err != nil {
			return mv, err
		}
		mv.setSize(i, a.Size)
	}
	// The fallback's metadata (the last read) holds the dimensions.
	vk := keys[len(keys)-1]
	w, h, ok := strings.Cut(a.Metadata[manifestKey], "x")
	wi, werr := strconv.Atoi(w)
	hi, herr := strconv.Atoi(h)
	if ok && werr == nil && herr == nil && wi > 0 && hi > 0 {
		mv.Width, mv.Height = wi, hi
		return mv, nil
	}
	// No dimensions in its metadata (a backend that dropped them): read
	// them from the image's header.
	data, err := s.inner.ReadAll(ctx, vk)
	if err != nil {
		return mv, err
	}
	info, err := codecs.Probe(data, s.cfg.Limits)
	if err != nil {
		return mv, fmt.Errorf("variant %s: %w", vk, err)
	}
	mv.Width, mv.Height = info.Width, info.Height
	return mv, nil
}

// allExist reports whether every one of keys is in sizes.
func allExist(sizes map[string]int64, keys []string) bool {
	for _, k := range keys {
		if _, ok := sizes[k]; !ok {
			return false
		}
	}
	return true
}

// makeOnRead makes the variant at vk if the current manifest of its
// original lists it (pending, or made but deleted since) or the config has
// added it, and reports whether it did or found it made. Concurrent
// reads of one key in this process share one attempt; other processes are
// kept out by IfNotExist.
func (s *Store) makeOnRead(ctx context.Context, vk string) (bool, error) {
	key, ok := originalOf(s.prefix, vk)
	if !ok {
		return false, nil
	}
	v, err, _ := s.flight.Do(vk, func() (any, error) {
		// The flight outlives any one caller's cancellation.
		ctx := context.WithoutCancel(ctx)
		return s.makeOne(ctx, key, vk)
	})
	if err != nil {
		return false, err
	}
	return v.(bool), nil
}

// makeOne is makeOnRead's work for variant key vk of the original at key.
func (s *Store) makeOne(ctx context.Context, key, vk string) (bool, error) {
	rule := s.match(key)
	if rule == nil {
		return false, nil
	}
	a, err := s.inner.Attributes(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	m := s.manifestOf(ctx, key, a)
	if m == nil || !samePolicy(m.Rule, rule) {
		return false, nil
	}
	// The entry vk names: listed with the current spec, or new in the
	// config.
	entry := &manifest{Hash: m.Hash, Token: m.Token, Source: m.Source, Alpha: m.Alpha,
		Variants: expected(m, rule)}
	idx := slices.IndexFunc(entry.Variants, func(mv manifestVariant) bool {
		return slices.Contains(m.keysOf(s.prefix, key, mv), vk)
	})
	if idx < 0 {
		// An on-demand rendition, deleted out of band or not made yet.
		if r, f, ok := renditionOf(s.prefix, key, m, rule, vk); ok {
			if _, err := s.makeRendition(ctx, key, m, r, f, vk); err != nil {
				return false, err
			}
			return true, nil
		}
		return false, nil
	}
	// A flight that ended, or another process, may have made it since the
	// caller's read missed: then there is nothing to decode.
	if ok, err := s.inner.Exists(ctx, vk); err == nil && ok {
		return true, nil
	}
	data, err := s.inner.ReadAll(ctx, key)
	if err != nil {
		return false, err
	}
	tx := &txn{s: s, key: key}
	if _, _, err := s.makeVariants(ctx, key, data, entry, []int{idx}, tx, false); err != nil {
		tx.rollback(ctx)
		return false, err
	}
	s.log.DebugContext(ctx, "blobimage: made variant on read", "key", key, "variant", vk)
	return true, nil
}

// expected returns the variants rule makes for the version manifest m
// describes, in the rule's order, all pending: a variant m lists with the
// same spec keeps the formats (and so the keys) m gives it; one new in the
// config gets the formats an eager write would have given it.
func expected(m *manifest, rule *compiledRule) []manifestVariant {
	vs := make([]manifestVariant, len(rule.Variants))
	for i, spec := range rule.Variants {
		mv := manifestVariant{Name: spec.Name, FP: rule.specFPs[i], Pending: true}.
			withFormats(spec.FormatsFor(m.Source, !m.Alpha, m.Frames))
		for _, old := range m.Variants {
			if old.Name == mv.Name && old.FP == mv.FP {
				mv = mv.withFormats(old.formats())
			}
		}
		vs[i] = mv
	}
	return vs
}

// versionDir returns the folder holding the variants of one version.
func versionDir(prefix, key, hash, token string) string {
	return prefix + key + "/" + hash + "-" + token + "/"
}
