package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/drivertest"
	"github.com/blobimage/blobimage/internal/rabbittest"
	"github.com/blobimage/blobimage/internal/testimage"
)

// The delivery tests run blobimage itself as separate processes (this
// test binary, started with envAsCLI set, runs main), so a worker can be
// killed with SIGKILL or stopped with SIGINT as in production.
const (
	envAsCLI = "BLOBIMAGE_TEST_AS_CLI"
	// stallScheme opens a file:// bucket whose first write to an
	// original (a worker's manifest commit, after the variants are made)
	// prints stallLine and the key, then hangs until the process is killed.
	stallScheme = "stallfile"
	stallLine   = "test: stuck committing "
)

func TestMain(m *testing.M) {
	if os.Getenv(envAsCLI) != "" {
		blob.DefaultURLMux().RegisterBucket(stallScheme, stallOpener{})
		main()
	}
	os.Exit(m.Run())
}

type stallOpener struct{}

func (stallOpener) OpenBucketURL(ctx context.Context, u *url.URL) (*blob.Bucket, error) {
	inner, err := fileblob.OpenBucket(u.Path, &fileblob.Options{CreateDir: true})
	if err != nil {
		return nil, err
	}
	b, faults := drivertest.NewFaultBucket(inner)
	var key string
	faults.Add(drivertest.Fault{Op: drivertest.OpWrite, N: 1,
		Match: func(k string) bool {
			if strings.HasPrefix(k, blobimage.DefaultVariantPrefix) {
				return false
			}
			key = k
			return true
		},
		Cancel: func() {
			fmt.Fprintln(os.Stderr, stallLine+key)
			select {} // until SIGKILL
		}})
	return b, nil
}

// engine is a queue engine as the CLI reaches it.
type engine struct {
	// topic is put's --queue, sub the workers' --subscription.
	topic, sub string
	// env is set for the test and the processes it starts.
	env map[string]string
}

// testDelivery is the same delivery test on every engine:
//
//   - jobs sent before any worker runs wait in the queue;
//   - a worker killed (SIGKILL) after making a job's variants but before
//     committing its manifest has not acknowledged the job: the original
//     still lists its variants as pending, and the job comes back to
//     another worker (at least once);
//   - two workers share one queue: both take jobs, every image ends
//     complete, and each variant object is made once;
//   - SIGINT stops a worker gracefully, exit status 0.
func testDelivery(t *testing.T, e engine) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	dir := t.TempDir()
	t.Setenv("BLOBIMAGE_BUCKET", "file://"+filepath.ToSlash(dir)+"/b?create_dir=true")
	t.Setenv("BLOBIMAGE_CONFIG", "")
	for k, v := range e.env {
		t.Setenv(k, v)
	}
	// put runs in a process of its own too: gocloud's URL openers keep one
	// connection per process (to the first server an environment
	// variable named), which a test run twice in one process would reuse.
	put := func(files ...string) {
		t.Helper()
		p := startCLI(t, append([]string{"--fanout", "background", "--queue", e.topic, "put"}, files...)...)
		if code := p.wait(t); code != 0 {
			t.Fatalf("put: exit %d: %s", code, p.output())
		}
		if s := variantStates(t, p.firstLine("{")); s["small"] != "pending" {
			t.Fatalf("after a background put: %v, want pending", s)
		}
	}
	var files []string
	// 4 jobs before any worker, then 16 for the two workers to share:
	// engines whose receivers fetch ahead without a bound (SQS, Pub/Sub)
	// split a few jobs unevenly (1 of 11 seen), so enough are sent that
	// one worker taking all of them would mean the queue is not shared.
	for i := range 20 {
		// Big enough that a job takes a while, so two workers overlap: an
		// idle receiver backs off between empty polls, and with 1600×1200
		// images (about 30 ms a job once the JPEG path ran in AVX2) one SQS
		// worker once took all 16 jobs before the other polled again.
		p := filepath.Join(dir, fmt.Sprintf("img%02d.jpg", i))
		writeFile(t, p, string(testimage.JPEG(testimage.Pattern(3200+i, 2400), 90)))
		files = append(files, p)
	}
	put(files[:4]...)

	// A worker that dies in the middle of a job.
	stall := startCLI(t, "--bucket", stallScheme+"://"+filepath.ToSlash(dir)+"/b", "worker",
		"--subscription", e.sub, "--concurrency", "1")
	line := stall.waitFor(t, stallLine, 60*time.Second)
	killed := strings.TrimSpace(strings.TrimPrefix(line[strings.Index(line, stallLine):], stallLine))
	stall.kill(t)
	_, out, _ := cli(t, "info", killed)
	if s := variantStates(t, out); s["small"] != "pending" || s["medium"] != "pending" {
		t.Fatalf("%s after its worker was killed before the commit: %v, want pending", killed, s)
	}

	// Two workers on one queue, then more jobs.
	w1 := startCLI(t, "worker", "--subscription", e.sub, "--concurrency", "1")
	w2 := startCLI(t, "worker", "--subscription", e.sub, "--concurrency", "1")
	w1.waitFor(t, "receiving from", 30*time.Second)
	w2.waitFor(t, "receiving from", 30*time.Second)
	put(files[4:]...)

	deadline := time.Now().Add(120 * time.Second)
	for _, f := range files {
		k := filepath.Base(f)
		for {
			_, out, _ := cli(t, "info", k)
			if s := variantStates(t, out); s["small"] == "ready" && s["medium"] == "ready" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not complete after 120s: %s\nworker 1: %s\nworker 2: %s", k, out, w1.output(), w2.output())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	done1, done2 := w1.done(), w2.done()
	t.Logf("worker 1 did %d jobs, worker 2 %d", len(done1), len(done2))
	if !done1[killed] && !done2[killed] {
		t.Errorf("the killed worker's job for %s was not done again", killed)
	}
	if len(done1) == 0 || len(done2) == 0 {
		t.Errorf("one worker did every job: %v / %v", done1, done2)
	}

	// Each image's variants exist once: 2 per image, all referenced.
	inner, err := blob.OpenBucket(context.Background(), os.Getenv("BLOBIMAGE_BUCKET"))
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	if n := countObjects(t, inner, blobimage.DefaultVariantPrefix); n != 2*len(files) {
		t.Errorf("%d variant objects for %d images of 2 variants", n, len(files))
	}

	for _, w := range []*cliProc{w1, w2} {
		if code := w.interrupt(t); code != 0 {
			t.Errorf("worker after SIGINT: exit %d: %s", code, w.output())
		}
	}
}

func TestDeliveryRabbitMQ(t *testing.T) {
	server := rabbittest.Start(t)
	testDelivery(t, engine{topic: "rabbit://blobimage-jobs", sub: "rabbit://blobimage-jobs",
		env: map[string]string{"RABBIT_SERVER_URL": server}})
}

func countObjects(t *testing.T, b *blob.Bucket, prefix string) int {
	t.Helper()
	n := 0
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		if !o.IsDir {
			n++
		}
	}
}

// cliProc is blobimage running as a process of its own.
type cliProc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []string
	more   chan struct{} // closed and replaced on each new line
	exited chan struct{}
	code   int
}

// startCLI starts blobimage with args, in the test's environment. It is
// killed when the test ends.
func startCLI(t *testing.T, args ...string) *cliProc {
	t.Helper()
	p := &cliProc{cmd: exec.Command(os.Args[0], args...), more: make(chan struct{}), exited: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), envAsCLI+"=1")
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		wg.Go(func() {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				p.mu.Lock()
				p.lines = append(p.lines, sc.Text())
				close(p.more)
				p.more = make(chan struct{})
				p.mu.Unlock()
			}
		})
	}
	go func() {
		wg.Wait()
		err := p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		if err != nil && p.code == 0 {
			p.code = -1
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// waitFor returns the first line containing s, waiting up to timeout.
func (p *cliProc) waitFor(t *testing.T, s string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for i := 0; ; {
		p.mu.Lock()
		for ; i < len(p.lines); i++ {
			if strings.Contains(p.lines[i], s) {
				l := p.lines[i]
				p.mu.Unlock()
				return l
			}
		}
		more := p.more
		p.mu.Unlock()
		select {
		case <-more:
		case <-p.exited:
			// Read what it printed last.
			p.mu.Lock()
			n := len(p.lines)
			p.mu.Unlock()
			if i == n {
				t.Fatalf("%v exited (status %d) before printing %q:\n%s", p.cmd.Args[1:], p.code, s, p.output())
			}
		case <-deadline:
			t.Fatalf("%v printed no %q in %v:\n%s", p.cmd.Args[1:], s, timeout, p.stuck())
		}
	}
}

// wait waits for the process to exit and returns its status.
func (p *cliProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(60 * time.Second):
		t.Fatalf("%v still running after 60s:\n%s", p.cmd.Args[1:], p.stuck())
		return -1
	}
}

// firstLine returns the first line the process printed that starts with
// prefix, or "".
func (p *cliProc) firstLine(prefix string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.lines {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// done returns the keys the worker reported done.
func (p *cliProc) done() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	keys := map[string]bool{}
	for _, l := range p.lines {
		if k, ok := strings.CutPrefix(l, "done "); ok {
			keys[k] = true
		}
	}
	return keys
}

// stuck sends SIGQUIT to a process that has not done what it should in
// time, waits for it to die, and returns its goroutine stacks (which the
// Go runtime prints on SIGQUIT) followed by the last lines it printed
// before them: what a failure report needs first, ahead of its output.
func (p *cliProc) stuck() string {
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	before, stacks := p.lines, []string(nil)
	for i, l := range p.lines {
		if strings.HasPrefix(l, "SIGQUIT") {
			before, stacks = p.lines[:i], p.lines[i:]
			break
		}
	}
	if n := 10; len(before) > n {
		before = append([]string{fmt.Sprintf("[%d lines before]", len(before)-n)}, before[len(before)-n:]...)
	}
	return strings.Join(append(compactStacks(stacks), append([]string{"--- its last lines before SIGQUIT:"}, before...)...), "\n")
}

// compactStacks shortens a SIGQUIT dump for a test report: it keeps the
// goroutines that run code outside the Go runtime, and drops the
// addresses after each file:line.
func compactStacks(lines []string) []string {
	var out, g []string
	user := false
	flush := func() {
		if user {
			out = append(out, g...)
		}
		g, user = g[:0], false
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "goroutine ") {
			flush()
		}
		if i := strings.Index(l, " +0x"); i > 0 {
			l = l[:i]
		}
		if l != "" && !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, "goroutine ") &&
			!strings.HasPrefix(l, "runtime.") && !strings.HasPrefix(l, "created by runtime") {
			user = true
		}
		g = append(g, l)
	}
	flush()
	return out
}

func (p *cliProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

func (p *cliProc) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
}

// interrupt sends SIGINT and returns the exit status.
func (p *cliProc) interrupt(t *testing.T) int {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		return p.code
	case <-time.After(30 * time.Second):
		t.Fatalf("%v still running 30s after SIGINT:\n%s", p.cmd.Args[1:], p.stuck())
		return -1
	}
}
