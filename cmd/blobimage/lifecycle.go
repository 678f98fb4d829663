package main

// regen, worker, and the background fan-out plumbing of every command.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"gocloud.dev/blob"
	"gocloud.dev/pubsub/mempubsub"
	"golang.org/x/term"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/queue"
)

// defaultQueue is the topic used when --queue is not given: in-process,
// drained by a worker inside the command before it exits.
const defaultQueue = "mem://blobimage-jobs"

// jobs connects a command to the job queue: a topic to send fan-out jobs
// to, and for an in-process (mem://) queue a worker that drains it.
type jobs struct {
	topic *openedTopic
	// In-process queues only.
	worker  *queue.Worker
	mu      sync.Mutex
	pending int
	idle    *sync.Cond
	stop    context.CancelFunc
	done    chan struct{}
}

// openJobs opens the topic at rawURL. A mem:// queue lives only in this
// command: a fresh in-memory topic (never one shared through the URL mux,
// whose mem:// topics outlive a command run inside a longer process, as in
// tests) with a worker started on it at once, before anything is sent.
func openJobs(ctx context.Context, rawURL string) (*jobs, error) {
	j := &jobs{}
	j.idle = sync.NewCond(&j.mu)
	if strings.HasPrefix(rawURL, "mem://") {
		t := mempubsub.NewTopic()
		j.topic = &openedTopic{Topic: t, close: func() {}}
		sub := mempubsub.NewSubscription(t, time.Minute)
		j.worker = &queue.Worker{Subscription: sub, Done: func(blobimage.Job, error) { j.finish() }}
	}
	if j.topic == nil {
		t, err := openTopic(ctx, rawURL)
		if err != nil {
			return nil, fmt.Errorf("open queue %s: %w", redact(rawURL), err)
		}
		j.topic = t
	}
	return j, nil
}

// SendJob sends job, counting it for an in-process queue.
func (j *jobs) SendJob(ctx context.Context, job blobimage.Job) error {
	if j.worker != nil {
		j.mu.Lock()
		j.pending++
		j.mu.Unlock()
	}
	err := queue.Sender{Topic: j.topic.Topic, BeforeSend: j.topic.beforeSend}.SendJob(ctx, job)
	if err != nil && j.worker != nil {
		j.finish()
	}
	return err
}

func (j *jobs) finish() {
	j.mu.Lock()
	j.pending--
	j.mu.Unlock()
	j.idle.Broadcast()
}

// start runs the in-process worker on s.
func (j *jobs) start(ctx context.Context, s *blobimage.Store) {
	if j.worker == nil {
		return
	}
	ctx, j.stop = context.WithCancel(ctx)
	j.done = make(chan struct{})
	j.worker.Store = s
	go func() {
		defer close(j.done)
		_ = j.worker.Run(ctx)
	}()
}

// close waits for an in-process queue to drain, then shuts the topic down.
// A job that failed for good leaves its variants pending (made on read or
// by regen).
func (j *jobs) close() {
	if j.worker != nil && j.done != nil {
		j.mu.Lock()
		for j.pending > 0 {
			j.idle.Wait()
		}
		j.mu.Unlock()
		j.stop()
		<-j.done
		_ = j.worker.Subscription.Shutdown(context.Background())
	}
	_ = j.topic.Shutdown(context.Background())
	j.topic.close()
}

// cmdRegen reconciles the bucket with the config.
func cmdRegen(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("regen")
	prefix := fs.String("prefix", "", "only originals whose keys start with `P`")
	dryRun := fs.Bool("dry-run", false, "print the plan and change nothing")
	resume := fs.String("resume", "", "continue an interrupted run from its resume `TOKEN`")
	conc := fs.Int("concurrency", 0, "originals worked on at once (default GOMAXPROCS)")
	orphanAge := fs.Duration("orphan-age", blobimage.DefaultOrphanAge, "remove unreferenced variants at least this old (negative: any age)")
	stagedAge := fs.Duration("staged-age", blobimage.DefaultStagedAge, "remove direct uploads staged but never promoted at least this old (0 or negative: any age)")
	enqueue := fs.Bool("enqueue", false, "send a job per original needing work to --queue instead of doing it here")
	jsonOut := fs.Bool("json", false, "print the summary as JSON even on a terminal")
	rest, err := e.parse(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(rest) > 0 {
		e.fail("regen: unexpected arguments %q", rest)
		return exitUsage
	}
	if *enqueue && e.queue == "" {
		e.fail("regen: --enqueue needs --queue URL (or BLOBIMAGE_QUEUE)")
		return exitUsage
	}
	s, closeStore, err := e.open(ctx)
	if err != nil {
		e.fail("%v", err)
		return exitFail
	}
	defer closeStore()

	opts := blobimage.ReconcileOptions{Prefix: *prefix, DryRun: *dryRun, Resume: *resume,
		Concurrency: *conc, OrphanAge: *orphanAge, StagedAge: *stagedAge}
	if opts.OrphanAge == 0 {
		opts.OrphanAge = -1 // 0 on the command line means "any age"
	}
	if opts.StagedAge == 0 {
		opts.StagedAge = -1
	}
	if *enqueue {
		opts.Enqueue = e.jobs
	}
	var out sync.Mutex
	opts.Report = func(o *blobimage.Outcome) {
		if !*dryRun {
			return
		}
		out.Lock()
		defer out.Unlock()
		fmt.Fprintln(e.stdout, describeOutcome(o))
	}
	tty := e.stderrTTY && !*jsonOut
	var bar *progressbar.ProgressBar
	if tty {
		total := int64(-1)
		if *resume == "" {
			total = countOriginals(ctx, s, *prefix)
		}
		bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("regen"),
			progressbar.OptionSetItsString("originals"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionClearOnFinish(),
		)
		opts.Progress = func(st blobimage.ReconcileStats) {
			_ = bar.Set(st.Scanned)
			bar.Describe(fmt.Sprintf("regen +%d ~%d -%d orphans %d", st.Created+st.Restored+st.Adopted,
				st.Regenerated, st.Dropped, st.Orphans))
		}
	}
	st, err := s.Reconcile(ctx, opts)
	if bar != nil {
		_ = bar.Finish()
	}
	if st == nil {
		e.fail("regen: %v", err)
		return exitFail
	}
	if tty {
		fmt.Fprintln(e.stderr, humanSummary(st))
	} else {
		b, _ := json.Marshal(st)
		fmt.Fprintln(e.stdout, string(b))
	}
	if err != nil {
		e.fail("regen interrupted: %v", err)
		if st.ResumeToken != "" {
			fmt.Fprintf(e.stderr, "resume with: blobimage regen --resume %s", st.ResumeToken)
			if *prefix != "" {
				fmt.Fprintf(e.stderr, " --prefix %q", *prefix)
			}
			fmt.Fprintln(e.stderr)
		}
		return exitFail
	}
	for _, f := range st.Failures {
		e.fail("regen %s: %s", f.Key, f.Err)
	}
	if st.Failed > 0 {
		return exitFail
	}
	return exitOK
}

// countOriginals counts the image keys under prefix, for the progress bar's
// total.
func countOriginals(ctx context.Context, s *blobimage.Store, prefix string) int64 {
	var n int64
	it := s.Bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n
			}
			return -1
		}
		if s.Rule(o.Key) != nil {
			n++
		}
	}
}

// describeOutcome is one line of a dry run's plan.
func describeOutcome(o *blobimage.Outcome) string {
	var parts []string
	add := func(verb string, names []string) {
		if len(names) > 0 {
			parts = append(parts, verb+" "+strings.Join(names, ","))
		}
	}
	if o.Adopted {
		parts = append(parts, "adopt")
	}
	if o.Reprocessed {
		parts = append(parts, "reprocess")
	}
	if o.Redacted {
		parts = append(parts, "remove gps from manifest")
	}
	if o.Summarised {
		parts = append(parts, "add placeholder")
	}
	if len(o.Dropped) == 1 && o.Dropped[0] == "orphan" {
		return "remove orphan " + o.Key
	}
	if len(o.Dropped) == 1 && o.Dropped[0] == "staged" {
		return "remove stale staged upload " + o.Key
	}
	add("create", o.Created)
	add("restore", o.Restored)
	add("regenerate", o.Regenerated)
	add("drop", o.Dropped)
	return o.Key + ": " + strings.Join(parts, "; ")
}

// humanSummary is the terminal's summary line.
func humanSummary(st *blobimage.ReconcileStats) string {
	verb := "regen"
	if st.DryRun {
		verb = "regen (dry run)"
	}
	rate := float64(st.Scanned) / max(st.Elapsed.Seconds(), 1e-9)
	staged := ""
	if st.Staged > 0 {
		staged = fmt.Sprintf("; %d stale staged uploads removed", st.Staged)
	}
	return fmt.Sprintf("%s: %d originals in %v (%.0f/s): %d unchanged, %d adopted, %d reprocessed, %d redacted, %d summarised, "+
		"variants %d created, %d restored, %d regenerated, %d dropped; %d orphans removed%s; %d enqueued; %d failed; "+
		"%s written, %s deleted",
		verb, st.Scanned, st.Elapsed.Round(time.Millisecond), rate, st.Unchanged, st.Adopted, st.Reprocessed, st.Redacted, st.Summarised,
		st.Created, st.Restored, st.Regenerated, st.Dropped, st.Orphans, staged, st.Enqueued, st.Failed,
		bytesString(st.Written), bytesString(st.Deleted))
}

func bytesString(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// cmdWorker makes variants for jobs from a subscription until interrupted.
func cmdWorker(ctx context.Context, e *env, args []string) int {
	fs := e.newFlags("worker")
	subURL := fs.String("subscription", os.Getenv("BLOBIMAGE_SUBSCRIPTION"), "subscription `URL` to receive jobs from (also BLOBIMAGE_SUBSCRIPTION; default: --queue's)")
	conc := fs.Int("concurrency", 0, "jobs (or notification messages) at once (default GOMAXPROCS)")
	notifyURL := fs.String("notifications", os.Getenv("BLOBIMAGE_NOTIFICATIONS"), "subscription `URL` of bucket event notifications: adopt the objects they report created, instead of doing jobs (also BLOBIMAGE_NOTIFICATIONS)")
	rest, err := e.parse(fs, args)
	if err != nil {
		return usageStatus(err)
	}
	if len(rest) > 0 {
		e.fail("worker: unexpected arguments %q", rest)
		return exitUsage
	}
	// One mode per process: an explicit --subscription wins over
	// BLOBIMAGE_NOTIFICATIONS; both flags at once is a mistake.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if given["subscription"] && given["notifications"] {
		e.fail("worker: --subscription (jobs) and --notifications (bucket events) are two workers; run one of each")
		return exitUsage
	}
	if *notifyURL != "" && !given["subscription"] {
		return workNotifications(ctx, e, *notifyURL, *conc)
	}
	u := *subURL
	if u == "" {
		u = e.queue
	}
	if u == "" {
		e.fail("worker: needs --subscription URL (or --queue) of a shared engine, e.g. rabbit://jobs or natsjs://BLOBIMAGE?consumer=workers")
		return exitUsage
	}
	s, sub, closeAll, code := openWorker(ctx, e, "--subscription", u, *conc)
	if s == nil {
		return code
	}
	defer closeAll()
	var mu sync.Mutex
	w := &queue.Worker{Store: s, Subscription: sub.Subscription, Concurrency: *conc,
		Done: func(job blobimage.Job, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fmt.Fprintf(e.stderr, "blobimage: worker: %s: %v\n", job.Key, err)
				return
			}
			fmt.Fprintf(e.stdout, "done %s\n", job.Key)
		}}
	fmt.Fprintf(e.stderr, "blobimage: worker receiving from %s\n", redact(u))
	if err := w.Run(ctx); err != nil {
		e.fail("worker: %v", err)
		return exitFail
	}
	return exitOK
}

// openWorker opens the Store and the subscription at rawURL (given as
// flag) for a worker doing conc jobs at once, and returns what closes
// them. On failure it reports why and returns a nil Store and the exit
// status.
func openWorker(ctx context.Context, e *env, flag, rawURL string, conc int) (*blobimage.Store, *openedSubscription, func(), int) {
	if strings.HasPrefix(rawURL, "mem://") {
		e.fail("worker: %s needs the URL of a shared engine (rabbit://, natsjs://, awssqs://, gcppubsub://, azuresb://); mem:// lives in one process", flag)
		return nil, nil, nil, exitUsage
	}
	s, closeStore, err := e.open(ctx)
	if err != nil {
		e.fail("%v", err)
		return nil, nil, nil, exitFail
	}
	sub, err := openSubscription(ctx, rawURL, conc)
	if err != nil {
		closeStore()
		e.fail("worker: open %s: %v", redact(rawURL), err)
		return nil, nil, nil, exitFail
	}
	return s, sub, func() {
		_ = sub.Shutdown(context.Background())
		sub.close()
		closeStore()
	}, exitOK
}

// redact drops credentials from a URL before printing it.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User("…")
	return u.String()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
