package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/blobimage/blobimage/internal/natsjs/natstest"
)

// TestWorkerCommandNATS: `put` with background fan-out publishes jobs to
// NATS JetStream by URL, and two `blobimage worker` commands sharing one
// durable consumer make every variant; after SIGINT (a cancelled context)
// the workers exit 0.
func TestWorkerCommandNATS(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BLOBIMAGE_BUCKET", "file://"+filepath.ToSlash(dir)+"/b?create_dir=true")
	t.Setenv("BLOBIMAGE_CONFIG", "")
	t.Setenv("NATS_SERVER_URL", natstest.Start(t))
	const (
		topic = "natsjs://blobimage.jobs?stream=BLOBIMAGE"
		sub   = "natsjs://BLOBIMAGE?consumer=workers&subject=blobimage.jobs&ack_wait=2s"
	)
	var files []string
	for _, name := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		files = append(files, photo(t, dir, name))
	}
	code, out, errOut := cli(t, append([]string{"--fanout", "background", "--queue", topic, "put"}, files...)...)
	if code != 0 {
		t.Fatalf("put: exit %d: %s", code, errOut)
	}
	if s := variantStates(t, strings.SplitN(out, "\n", 2)[0]); s["small"] != "pending" {
		t.Fatalf("after a background put on NATS: %v, want pending", s)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	type result struct {
		code   int
		stderr string
	}
	results := make(chan result, 2)
	for range 2 {
		go func() {
			var o, e bytes.Buffer
			code := run(ctx, []string{"worker", "--subscription", sub, "--concurrency", "1"}, &o, &e)
			results <- result{code, e.String()}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, k := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		for {
			_, out, _ := cli(t, "info", k)
			if s := variantStates(t, out); s["small"] == "ready" && s["medium"] == "ready" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not complete after 30s: %s", k, out)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	stop()
	for range 2 {
		if r := <-results; r.code != 0 {
			t.Errorf("worker: exit %d: %s", r.code, r.stderr)
		}
	}
}
