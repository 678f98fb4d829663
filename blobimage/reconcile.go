package blobimage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/blobimage/blobimage/codecs"
)

// DefaultOrphanAge is ReconcileOptions.OrphanAge's default.
const DefaultOrphanAge = time.Hour

// ReconcileOptions tune Reconcile.
type ReconcileOptions struct {
	// Prefix limits the walk to originals whose keys start with it (and to
	// their variants).
	Prefix string
	// DryRun works out and reports what would be done, changing nothing.
	DryRun bool
	// Resume continues a walk from ReconcileStats.ResumeToken of an
	// earlier, interrupted one (with the same Prefix).
	Resume string
	// Concurrency bounds how many originals are worked on at once; 0 means
	// GOMAXPROCS. The Store's memory budget bounds decoding on top.
	Concurrency int
	// PageSize is how many keys each list call asks for; 0 means 1000. A
	// resume token marks a page boundary.
	PageSize int
	// OrphanAge is how old an unreferenced variant object must be before
	// it is removed: younger ones may belong to a write still in flight
	// (variants are written before the original that references them). 0
	// means DefaultOrphanAge; negative removes orphans of any age (for a
	// bucket nobody else is writing to).
	OrphanAge time.Duration
	// StagedAge is how old a staged direct upload (Store.DirectUpload)
	// must be before it is removed unpromoted: younger ones may still be
	// on their way up, or about to be promoted. 0 means DefaultStagedAge;
	// negative removes staged uploads of any age. With a Prefix, only
	// those whose final keys start with it are looked at.
	StagedAge time.Duration
	// Enqueue, when set, receives a Job for each original that needs work
	// instead of Reconcile doing it (so a backfill is spread over workers);
	// orphans are still removed here.
	Enqueue JobSender
	// Report, when set, is called with each original that needed (or, in
	// a dry run, would need) work, with each orphan (as an Outcome
	// whose Key is the orphan's and Dropped is {"orphan"}), and with each
	// stale staged upload (Key the staging key, Dropped {"staged"}).
	// Calls may be concurrent.
	Report func(*Outcome)
	// Progress, when set, is called after each original and each orphan
	// with the counts so far. Calls are serialised.
	Progress func(ReconcileStats)
}

// ReconcileStats counts what Reconcile did (or would do).
type ReconcileStats struct {
	// Scanned counts the originals looked at (keys under an image rule);
	// Unchanged those that needed nothing.
	Scanned   int `json:"scanned"`
	Unchanged int `json:"unchanged"`
	// Adopted counts objects without a manifest taken through the write
	// path; Reprocessed originals whose rule's original policy changed;
	// NotImages objects under an image rule that are not images (left
	// alone).
	Adopted     int `json:"adopted"`
	Reprocessed int `json:"reprocessed"`
	NotImages   int `json:"not_images"`
	// Redacted counts manifests rewritten without a GPS position their
	// rule strips (see Outcome.Redacted).
	Redacted int `json:"redacted"`
	// Summarised counts manifests given the placeholder, colour and frame
	// count they lacked (see Outcome.Summarised).
	Summarised int `json:"summarised"`
	// Created, Restored, Regenerated and Dropped count variants (see
	// Outcome); Orphans counts unreferenced variant objects removed.
	Created     int `json:"created"`
	Restored    int `json:"restored"`
	Regenerated int `json:"regenerated"`
	Dropped     int `json:"dropped"`
	Orphans     int `json:"orphans"`
	// Staged counts stale staged uploads removed: direct uploads nobody
	// promoted within ReconcileOptions.StagedAge.
	Staged int `json:"staged"`
	// Enqueued counts jobs sent (with ReconcileOptions.Enqueue); Failed
	// counts originals whose work failed (see Failures).
	Enqueued int `json:"enqueued"`
	Failed   int `json:"failed"`
	// Written and Deleted count bytes of variant objects.
	Written int64 `json:"written_bytes"`
	Deleted int64 `json:"deleted_bytes"`
	// Elapsed is the wall time so far.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Failures holds the first errors, by key (at most 100).
	Failures []Failure `json:"failures,omitempty"`
	// ResumeToken continues an interrupted walk (ReconcileOptions.Resume);
	// empty once the walk is complete.
	ResumeToken string `json:"resume_token,omitempty"`
	// DryRun repeats the option: nothing was changed.
	DryRun bool `json:"dry_run,omitempty"`
}

// Failure is one original Reconcile could not bring up to date.
type Failure struct {
	Key string `json:"key"`
	Err string `json:"error"`
}

// errBadResume: ReconcileOptions.Resume is not a token Reconcile made for
// that prefix (InvalidArgument).
var errBadResume = errors.New("bad resume token")

// maxFailures bounds ReconcileStats.Failures.
const maxFailures = 100

// The phases of a walk.
const (
	phaseOriginals = 0
	phaseOrphans   = 1
	phaseStaged    = 2
)

// resumeToken is the decoded ReconcileStats.ResumeToken.
type resumeToken struct {
	Prefix string `json:"p"`
	Phase  int    `json:"ph"`
	Page   []byte `json:"t,omitempty"`
}

func (t resumeToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseResume(s, prefix string) (resumeToken, error) {
	var t resumeToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err == nil && (t.Phase < phaseOriginals || t.Phase > phaseStaged) {
		err = fmt.Errorf("phase %d", t.Phase)
	}
	if err != nil {
		return t, fmt.Errorf("blobimage: reconcile: %w: %v", errBadResume, err)
	}
	if t.Prefix != prefix {
		return t, fmt.Errorf("blobimage: reconcile: %w: it is for prefix %q, not %q", errBadResume, t.Prefix, prefix)
	}
	return t, nil
}

// Reconcile walks the originals under opts.Prefix, a page at a time, and
// brings each up to date with the Store's config as Regenerate does:
// missing and pending variants are made, stale ones remade, dropped ones
// deleted, manifests updated, and objects written past the wrapper adopted.
// It then walks the variant key space under the same prefix and removes
// orphans: objects no original's manifest (or config) references, such as
// the leftovers of a crashed write or of a deleted original, once they are
// opts.OrphanAge old. Last it removes the staged direct uploads
// (Store.DirectUpload) nobody promoted, once they are opts.StagedAge old.
//
// A failure on one original is counted and the walk goes on; Reconcile
// returns an error only when listing fails or ctx is done, and then the
// stats carry a ResumeToken to continue from.
func (s *Store) Reconcile(ctx context.Context, opts ReconcileOptions) (*ReconcileStats, error) {
	r := &reconciler{s: s, opts: opts, start: time.Now(), st: ReconcileStats{DryRun: opts.DryRun}}
	if r.opts.Concurrency <= 0 {
		r.opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	if r.opts.PageSize <= 0 {
		r.opts.PageSize = 1000
	}
	if r.opts.OrphanAge == 0 {
		r.opts.OrphanAge = DefaultOrphanAge
	}
	if r.opts.StagedAge == 0 {
		r.opts.StagedAge = DefaultStagedAge
	}
	at := resumeToken{Prefix: opts.Prefix}
	if opts.Resume != "" {
		var err error
		if at, err = parseResume(opts.Resume, opts.Prefix); err != nil {
			return nil, withCode(err)
		}
	}
	err := r.walk(ctx, at)
	return r.stats(), withCode(err)
}

// reconciler is one Reconcile call.
type reconciler struct {
	s     *Store
	opts  ReconcileOptions
	start time.Time

	mu sync.Mutex
	st ReconcileStats
}

func (r *reconciler) stats() *ReconcileStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.st
	st.Elapsed = time.Since(r.start)
	return &st
}

// update changes the counts under the lock and reports progress.
func (r *reconciler) update(f func(st *ReconcileStats)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.st)
	if r.opts.Progress != nil {
		st := r.st
		st.Elapsed = time.Since(r.start)
		r.opts.Progress(st)
	}
}

// walk lists both phases from at, page by page.
func (r *reconciler) walk(ctx context.Context, at resumeToken) error {
	for phase := at.Phase; phase <= phaseStaged; phase++ {
		prefix := r.opts.Prefix
		switch phase {
		case phaseOrphans:
			prefix = r.s.prefix + r.opts.Prefix
		case phaseStaged:
			// Staging keys begin with a random token, not the final key:
			// the whole folder is listed and filtered by final key.
			prefix = r.s.stagingFolder()
		}
		token := at.Page
		if phase != at.Phase || len(token) == 0 {
			token = blob.FirstPageToken
		}
		for {
			here := resumeToken{Prefix: r.opts.Prefix, Phase: phase, Page: token}
			r.mu.Lock()
			r.st.ResumeToken = here.encode()
			r.mu.Unlock()
			objs, next, err := r.s.inner.ListPage(ctx, token, r.opts.PageSize, &blob.ListOptions{Prefix: prefix})
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("blobimage: reconcile: list %q: %w", prefix, err)
			}
			switch phase {
			case phaseOriginals:
				r.originals(ctx, objs)
			case phaseOrphans:
				r.orphans(ctx, objs)
			case phaseStaged:
				r.staged(ctx, objs)
			}
			if err := ctx.Err(); err != nil {
				return err // the page is done again on resume
			}
			if len(next) == 0 {
				break
			}
			token = next
		}
	}
	r.mu.Lock()
	r.st.ResumeToken = ""
	r.mu.Unlock()
	return nil
}

// originals works on one page of originals, Concurrency at a time.
func (r *reconciler) originals(ctx context.Context, objs []*blob.ListObject) {
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for _, o := range objs {
		if r.s.reserved(o.Key) || r.s.match(o.Key) == nil {
			continue // variants (under an empty prefix) and plain objects
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			r.original(ctx, o.Key)
		})
	}
	wg.Wait()
}

// original brings one original up to date (or works out what that would
// take).
func (r *reconciler) original(ctx context.Context, key string) {
	out, p, err := r.s.plan(ctx, key, "")
	if err == nil && out.Changed() {
		switch {
		case r.opts.Enqueue != nil && !r.opts.DryRun:
			err = r.opts.Enqueue.SendJob(ctx, Job{Key: key})
		case out.Adopted && r.opts.DryRun:
			if !r.isImage(ctx, key) {
				err = ErrNotImage
			}
		case !r.opts.DryRun:
			err = r.s.apply(ctx, p, out)
		}
	}
	if errors.Is(err, errSuperseded) {
		err = nil // written meanwhile: the writer made a complete set
		out = &Outcome{Key: key}
	}
	notImage := out.Adopted && (errors.Is(err, ErrNotImage) || errors.Is(err, ErrUnsupportedFormat))
	if err == nil && out.Changed() && r.opts.Report != nil {
		r.opts.Report(out)
	}
	r.update(func(st *ReconcileStats) {
		st.Scanned++
		switch {
		case notImage:
			st.NotImages++
		case err != nil:
			st.Failed++
			if len(st.Failures) < maxFailures {
				st.Failures = append(st.Failures, Failure{Key: key, Err: err.Error()})
			}
		case !out.Changed():
			st.Unchanged++
		case r.opts.Enqueue != nil && !r.opts.DryRun:
			st.Enqueued++
		default:
			if out.Adopted {
				st.Adopted++
			}
			if out.Reprocessed {
				st.Reprocessed++
			}
			if out.Redacted {
				st.Redacted++
			}
			if out.Summarised {
				st.Summarised++
			}
			st.Created += len(out.Created)
			st.Restored += len(out.Restored)
			st.Regenerated += len(out.Regenerated)
			st.Dropped += len(out.Dropped)
			st.Written += out.Written
			st.Deleted += out.Deleted
		}
	})
	if err != nil && !notImage {
		r.s.log.WarnContext(ctx, "blobimage: reconcile failed", "key", key, "err", err)
	}
}

// isImage sniffs the head of the object at key.
func (r *reconciler) isImage(ctx context.Context, key string) bool {
	rd, err := r.s.inner.NewRangeReader(ctx, key, 0, codecs.SniffLen, nil)
	if err != nil {
		return false
	}
	defer rd.Close()
	head, _ := io.ReadAll(rd)
	_, err = codecs.Sniff(head)
	return err == nil
}

// orphans removes the unreferenced variant objects of one page. The page
// is sorted by key, so the variants of one original are consecutive and
// its manifest is read once.
func (r *reconciler) orphans(ctx context.Context, objs []*blob.ListObject) {
	var (
		lastKey string
		refs    map[string]bool
		live    string
		refErr  error
	)
	for _, o := range objs {
		if ctx.Err() != nil {
			return
		}
		if strings.HasPrefix(o.Key, r.s.stagingFolder()) {
			continue // staged uploads: their own phase
		}
		key, ok := originalOf(r.s.prefix, o.Key)
		if ok && (key != lastKey || refs == nil) {
			lastKey = key
			refs, live, refErr = r.s.referenced(ctx, key)
		}
		if ok && (refErr != nil || refs[o.Key] || (live != "" && isTransform(o.Key, live))) {
			continue // referenced (a live version's transforms too), or not known not to be
		}
		if r.opts.OrphanAge > 0 && time.Since(o.ModTime) < r.opts.OrphanAge {
			continue
		}
		var err error
		if !r.opts.DryRun {
			err = r.s.inner.Delete(ctx, o.Key)
			if gcerrors.Code(err) == gcerrors.NotFound {
				err = nil
			}
		}
		if err != nil {
			r.s.log.WarnContext(ctx, "blobimage: could not delete orphan", "key", o.Key, "err", err)
			continue
		}
		if r.opts.Report != nil {
			r.opts.Report(&Outcome{Key: o.Key, Dropped: []string{"orphan"}, Deleted: o.Size})
		}
		r.update(func(st *ReconcileStats) {
			st.Orphans++
			st.Deleted += o.Size
		})
	}
}

// staged removes the staged uploads of one page that are StagedAge old
// (under the walk's prefix, by final key). Objects in the staging folder
// that are not staging keys were put there past the wrapper and go the
// same way.
func (r *reconciler) staged(ctx context.Context, objs []*blob.ListObject) {
	for _, o := range objs {
		if ctx.Err() != nil {
			return
		}
		if final, ok := r.s.StagedKey(o.Key); ok && !strings.HasPrefix(final, r.opts.Prefix) {
			continue
		}
		if r.opts.StagedAge > 0 && time.Since(o.ModTime) < r.opts.StagedAge {
			continue
		}
		if !r.opts.DryRun {
			if err := r.s.inner.Delete(ctx, o.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
				r.s.log.WarnContext(ctx, "blobimage: could not delete staged upload", "key", o.Key, "err", err)
				continue
			}
		}
		if r.opts.Report != nil {
			r.opts.Report(&Outcome{Key: o.Key, Dropped: []string{"staged"}})
		}
		r.update(func(st *ReconcileStats) { st.Staged++ })
	}
}

// referenced returns the variant keys of the original at key that may
// exist legitimately: those its manifest lists, those a read may make
// lazily under the current config, and the renditions the config allows;
// and the folder of its live version ("" when there is none), whose
// signed transforms are kept too (they are bounded by MaxTransforms).
func (s *Store) referenced(ctx context.Context, key string) (map[string]bool, string, error) {
	a, err := s.inner.Attributes(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return map[string]bool{}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	refs := map[string]bool{}
	m := s.manifestOf(ctx, key, a)
	if m == nil {
		return refs, "", nil
	}
	for _, k := range m.keys(s.prefix, key) {
		refs[k] = true
	}
	rule := s.match(key)
	if rule != nil && samePolicy(m.Rule, rule) {
		for _, mv := range expected(m, rule) {
			for _, k := range m.keysOf(s.prefix, key, mv) {
				refs[k] = true
			}
		}
	}
	// Renditions of the widths and formats the config allows now; others
	// are orphans.
	for _, k := range renditionKeys(s.prefix, key, m, rule) {
		refs[k] = true
	}
	return refs, versionDir(s.prefix, key, m.Hash, m.Token), nil
}
