package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startServe runs `blobimage serve` with args on a fresh file bucket and
// returns its base URL as printed, its stderr, and the bucket URL; it is
// stopped, as by SIGINT, when the test ends.
func startServe(t *testing.T, args ...string) (base string, stderr *syncBuffer, bucket string) {
	t.Helper()
	t.Setenv("BLOBIMAGE_CONFIG", "")
	t.Setenv("BLOBIMAGE_AUTH", "")
	bucket = "file://" + filepath.ToSlash(t.TempDir()) + "/b?create_dir=true"
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"--bucket", bucket, "serve"}, args...), io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	re := regexp.MustCompile(`serving (http://\S+)`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stderr, bucket
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address printed: %q", stderr.String())
		}
	}
}

// send makes one request to base with the given Host (when not empty) and
// basic credentials (when user is not empty), without following redirects.
func send(t *testing.T, method, url, host, user, pass string, body io.Reader, contentType string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestServeCredentials: with --auth, uploads and deletes need HTTP Basic
// authentication (401 with a Basic challenge, nothing written), pages do
// not; with --auth-all every route does. Every response is nosniff.
func TestServeCredentials(t *testing.T) {
	base, _, bucket := startServe(t, "--addr", "127.0.0.1:0", "--auth", "ann:s3cret pass")
	upload := func(user, pass string) *http.Response {
		body, ct := multipartForm(t, nil, upFile{"cat.jpg", testJPEG(t, 320, 240)})
		resp, _ := send(t, "POST", base+"/upload", "", user, pass, body, ct)
		return resp
	}
	for _, c := range [][2]string{{"", ""}, {"ann", "wrong"}, {"bob", "s3cret pass"}} {
		resp := upload(c[0], c[1])
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("upload as %q/%q: %s, WWW-Authenticate %q", c[0], c[1], resp.Status, resp.Header.Get("WWW-Authenticate"))
		}
	}
	if code, _, _ := cli(t, "--bucket", bucket, "info", "cat.jpg"); code == 0 {
		t.Fatal("an unauthenticated upload was stored")
	}
	if resp := upload("ann", "s3cret pass"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("authenticated upload: %s", resp.Status)
	}
	for _, path := range []string{"/", "/info/cat.jpg", "/api/info/cat.jpg", "/img/cat.jpg?variant=small"} {
		resp, _ := send(t, "GET", base+path, "", "", "", nil, "")
		if resp.StatusCode != 200 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s without credentials: %s, nosniff %q", path, resp.Status, resp.Header.Get("X-Content-Type-Options"))
		}
	}
	if resp, _ := send(t, "POST", base+"/delete/cat.jpg", "", "", "", nil, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unauthenticated delete: %s", resp.Status)
	}
	if resp, _ := send(t, "POST", base+"/delete/cat.jpg", "", "ann", "s3cret pass", nil, ""); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("authenticated delete: %s", resp.Status)
	}

	all, _, _ := startServe(t, "--addr", "127.0.0.1:0", "--auth", "ann:pw", "--auth-all")
	for _, path := range []string{"/", "/img/x.jpg", "/api/info/x.jpg"} {
		if resp, _ := send(t, "GET", all+path, "", "", "", nil, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("--auth-all: GET %s without credentials: %s", path, resp.Status)
		}
	}
	if resp, _ := send(t, "GET", all+"/", "", "ann", "pw", nil, ""); resp.StatusCode != 200 {
		t.Errorf("--auth-all: GET / with credentials: %s", resp.Status)
	}
	if code, _, errOut := cli(t, "serve", "--auth-all"); code != exitUsage || !strings.Contains(errOut, "--auth") {
		t.Errorf("--auth-all without --auth: %d %q", code, errOut)
	}
}

// TestServeReadOnlyWhenExposed: on a non-loopback address without
// credentials the server says it is read-only and refuses writes (403),
// while still serving pages.
func TestServeReadOnlyWhenExposed(t *testing.T) {
	base, stderr, _ := startServe(t, "--addr", "0.0.0.0:0")
	if !strings.Contains(stderr.String(), "read-only") {
		t.Errorf("no read-only notice at start: %q", stderr.String())
	}
	port := base[strings.LastIndex(base, ":")+1:]
	local := "http://127.0.0.1:" + port
	body, ct := multipartForm(t, nil, upFile{"cat.jpg", testJPEG(t, 64, 48)})
	if resp, b := send(t, "POST", local+"/upload", "", "", "", body, ct); resp.StatusCode != http.StatusForbidden || !strings.Contains(b, "read-only") {
		t.Errorf("upload to an exposed server without credentials: %s %q", resp.Status, b)
	}
	if resp, _ := send(t, "GET", local+"/", "", "", "", nil, ""); resp.StatusCode != 200 {
		t.Errorf("gallery of a read-only server: %s", resp.Status)
	}
	// The default: loopback, writable.
	if defaultAddr != "127.0.0.1:8080" {
		t.Errorf("default address %s", defaultAddr)
	}
}

// TestServeHostCheck: a request naming another host (a DNS-rebinding
// page sends its own name) is refused with 421 and changes nothing; the
// loopback names, the listen address and --host names are answered.
func TestServeHostCheck(t *testing.T) {
	base, _, bucket := startServe(t, "--addr", "127.0.0.1:0", "--host", "photos.example.org")
	port := base[strings.LastIndex(base, ":")+1:]
	for _, host := range []string{"evil.example", "evil.example:" + port, "127.0.0.2", "localhost.evil.example", "photos.example.org.evil"} {
		body, ct := multipartForm(t, nil, upFile{"cat.jpg", testJPEG(t, 64, 48)})
		if resp, _ := send(t, "POST", base+"/upload", host, "", "", body, ct); resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("upload with Host %q: %s, want 421", host, resp.Status)
		}
		if resp, _ := send(t, "GET", base+"/", host, "", "", nil, ""); resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("gallery with Host %q: %s, want 421", host, resp.Status)
		}
	}
	if code, _, _ := cli(t, "--bucket", bucket, "info", "cat.jpg"); code == 0 {
		t.Error("a request with a foreign Host stored an image")
	}
	for _, host := range []string{"localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST", "photos.example.org"} {
		if resp, _ := send(t, "GET", base+"/", host, "", "", nil, ""); resp.StatusCode != 200 {
			t.Errorf("gallery with Host %q: %s", host, resp.Status)
		}
	}
}

// TestServeKeys: Unicode format characters in a key are refused with 400
// on every route; a key beside a folder of the same name and an overlong
// segment answer 4xx, not 500.
func TestServeKeys(t *testing.T) {
	base, _, _ := startServe(t, "--addr", "127.0.0.1:0")
	for _, key := range []string{"\u202egpj.exe", "a\u200bb.jpg", "x\u2066.jpg"} {
		body, ct := multipartForm(t, map[string]string{"key": key}, upFile{"a.jpg", testJPEG(t, 64, 48)})
		if resp, _ := send(t, "POST", base+"/upload", "", "", "", body, ct); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("upload to %+q: %s, want 400", key, resp.Status)
		}
		for _, route := range []string{"/img/", "/info/", "/api/info/"} {
			if resp, _ := send(t, "GET", base+keyURL(route, key), "", "", "", nil, ""); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("GET %s%+q: %s, want 400", route, key, resp.Status)
			}
		}
	}
	up := func(key string) int {
		body, ct := multipartForm(t, map[string]string{"key": key}, upFile{"a.jpg", testJPEG(t, 64, 48)})
		resp, _ := send(t, "POST", base+"/upload", "", "", "", body, ct)
		return resp.StatusCode
	}
	if c := up("a"); c != http.StatusSeeOther {
		t.Fatalf("upload a: %d", c)
	}
	for _, key := range []string{"a/b.jpg", strings.Repeat("s", 300) + ".jpg", "d/" + strings.Repeat("é", 200), "x.attrs"} {
		if c := up(key); c < 400 || c >= 500 {
			t.Errorf("upload to %.40q: %d, want a 4xx", key, c)
		}
	}
	if c := up("c/d.jpg"); c != http.StatusSeeOther {
		t.Fatalf("upload c/d.jpg: %d", c)
	}
	if c := up("c"); c != http.StatusConflict {
		t.Errorf("upload c beside the folder c/: %d, want 409", c)
	}
}

// TestServeStalledClients: a client that sends its body too slowly, or
// leaves a response unread and its connection idle, loses the connection
// after the deadline instead of holding it.
func TestServeStalledClients(t *testing.T) {
	saved := limits
	limits.read, limits.write, limits.idle, limits.header = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
	t.Cleanup(func() { limits = saved })
	base, _, _ := startServe(t, "--addr", "127.0.0.1:0")
	addr := strings.TrimPrefix(base, "http://")

	closedWithin := func(c net.Conn, d time.Duration) bool {
		_ = c.SetReadDeadline(time.Now().Add(d))
		_, err := io.Copy(io.Discard, c)
		return err == nil // EOF: the server closed it
	}
	// A slow body: headers promise 1 MB, 100 bytes come.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000000\r\n\r\n%s", strings.Repeat("z", 100))
	if !closedWithin(c, 5*time.Second) {
		t.Error("a stalled upload kept its connection")
	}
	// A response left unread on an idle connection.
	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprintf(c2, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
	time.Sleep(time.Second)
	if !closedWithin(c2, 5*time.Second) {
		t.Error("an unread download kept its connection")
	}
	// A client that never finishes its headers.
	c3, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	fmt.Fprintf(c3, "GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
	if !closedWithin(c3, 5*time.Second) {
		t.Error("a client stalling in its headers kept its connection")
	}
	// Headers over 64 KiB are refused.
	c4, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c4.Close()
	fmt.Fprintf(c4, "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 100<<10))
	line, _ := bufio.NewReader(c4).ReadString('\n')
	if !strings.Contains(line, "431") {
		t.Errorf("100 KiB of headers: %q, want 431", line)
	}
}
