// Package rabbittest starts a private RabbitMQ broker for tests: Debian's
// rabbitmq-server, run as a plain process of the test's user on free
// loopback ports, with its data, logs and Erlang cookie in a temporary
// folder, so it needs no service, no root and leaves nothing behind but
// the shared epmd daemon Erlang starts.
//
// Without rabbitmq-server the tests that need it skip, saying how to
// install it; with BLOBIMAGE_REQUIRE_RABBITMQ set (as CI sets it) they
// fail instead.
package rabbittest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// RequireEnv, when set, turns a missing broker into a failure.
const RequireEnv = "BLOBIMAGE_REQUIRE_RABBITMQ"

// serverPaths are where Debian installs the broker's start script: the
// one under /usr/lib runs it as the calling user; /usr/sbin's wrapper
// would switch to the rabbitmq system user.
var serverPaths = []string{"/usr/lib/rabbitmq/bin/rabbitmq-server", "rabbitmq-server"}

func serverBinary() (string, bool) {
	for _, p := range serverPaths {
		if path, err := exec.LookPath(p); err == nil {
			return path, true
		}
	}
	return "", false
}

// Start starts a broker for t and returns its AMQP URL
// (amqp://guest:guest@127.0.0.1:PORT/). The broker is stopped by
// t.Cleanup. It takes a few seconds (Erlang's boot).
func Start(t testing.TB) string {
	t.Helper()
	bin, ok := serverBinary()
	if !ok {
		const msg = "rabbitmq-server not found: install Debian's rabbitmq-server (apt-get install rabbitmq-server, or run .ci/packages.sh)"
		if os.Getenv(RequireEnv) != "" {
			t.Fatal(msg + "; " + RequireEnv + " is set, so the RabbitMQ tests must run")
		}
		t.Skip(msg)
	}
	dir, err := os.MkdirTemp("", "rabbittest-")
	if err != nil {
		t.Fatal(err)
	}
	port, dist := freePort(t), freePort(t)
	if err := os.WriteFile(filepath.Join(dir, "enabled_plugins"), []byte("[].\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"HOME="+dir, // the Erlang cookie
		"RABBITMQ_BASE="+dir,
		"RABBITMQ_MNESIA_BASE="+filepath.Join(dir, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(dir, "log"),
		"RABBITMQ_LOGS=-",
		"RABBITMQ_PID_FILE="+filepath.Join(dir, "pid"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(dir, "rabbitmq"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(dir, "enabled_plugins"),
		fmt.Sprintf("RABBITMQ_NODENAME=blobimage-test-%d-%d@localhost", os.Getpid(), port),
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		"RABBITMQ_NODE_PORT="+strconv.Itoa(port),
		"RABBITMQ_DIST_PORT="+strconv.Itoa(dist),
	)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("rabbittest: start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		_ = os.RemoveAll(dir)
	})

	url := fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", port)
	deadline := time.Now().Add(90 * time.Second)
	for {
		conn, err := amqp.Dial(url)
		if err == nil {
			_ = conn.Close()
			return url
		}
		select {
		case <-exited:
			t.Fatalf("rabbittest: rabbitmq-server exited before accepting connections:\n%s", out.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("rabbittest: no AMQP connection after 90s (%v):\n%s", err, out.String())
		}
	}
}

// freePort returns a loopback TCP port nobody listened on a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// lockedBuffer collects the broker's output for a failure message.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
