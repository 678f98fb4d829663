package main

// A minimal W3C WebDriver client for TestBrowser, with net/http and
// encoding/json only: chromedriver, started on a free port, drives a
// headless Chromium. Only the commands the test needs are here (new
// session, navigate, find elements, click, send keys, text, execute
// script); https://www.w3.org/TR/webdriver2/ describes the endpoints.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browserWait bounds every wait for a page, an element or a condition.
const browserWait = 10 * time.Second

// elementKey is the JSON key of a web element reference (WebDriver §12.1).
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// browser is one WebDriver session of a headless Chromium.
type browser struct {
	t       *testing.T
	session string // http://127.0.0.1:PORT/session/ID
	client  *http.Client
}

// wdError is an error a WebDriver command answered with (§6.6), e.g.
// "no such element".
type wdError struct {
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *wdError) Error() string {
	msg, _, _ := strings.Cut(e.Message, "\n") // chromedriver appends a stack trace
	return e.Code + ": " + msg
}

// browserTools returns the paths of chromium and chromedriver (Debian's
// chromium and chromium-driver packages install them in /usr/bin),
// skipping the test when one is missing, or failing it when
// BLOBIMAGE_REQUIRE_TOOLS=1, as in CI.
func browserTools(t *testing.T) (chromium, driver string) {
	t.Helper()
	var paths []string
	for _, name := range []string{"chromium", "chromedriver"} {
		p, err := exec.LookPath(name)
		if err != nil {
			if os.Getenv("BLOBIMAGE_REQUIRE_TOOLS") == "1" {
				t.Fatalf("%s is not installed (BLOBIMAGE_REQUIRE_TOOLS=1): apt-get install chromium chromium-driver", name)
			}
			t.Skipf("%s is not installed: apt-get install chromium chromium-driver to run the browser test", name)
		}
		paths = append(paths, p)
	}
	return paths[0], paths[1]
}

// startBrowser starts chromedriver on a free port and opens a session of a
// headless Chromium with a fresh profile; both end with the test.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	chromium, driver := browserTools(t)
	dir := t.TempDir()
	// The driver's output goes to a file, not a pipe: Chromium inherits
	// the descriptors, and Wait would wait for it to close a pipe.
	logPath := filepath.Join(dir, "chromedriver.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	driverLog := func() string {
		data, _ := os.ReadFile(logPath)
		return string(data)
	}
	// Port 0: the driver picks a free port and prints it.
	cmd := exec.Command(driver, "--port=0")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start chromedriver: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	b := &browser{t: t, client: &http.Client{Timeout: 2 * browserWait}}
	var root string // the driver's URL, once it has started
	t.Cleanup(func() {
		if b.session != "" {
			// Deleting the session quits Chromium; the driver alone would
			// leave it running.
			if err := b.call("DELETE", "", nil, nil); err != nil {
				t.Logf("close the browser: %v", err)
			}
		}
		// Asked to shut down, the driver waits for its children; killed,
		// it would leave them to init, which may not reap them.
		if root != "" {
			_ = b.request("GET", root+"/shutdown", nil, nil)
		}
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		if t.Failed() {
			t.Logf("chromedriver output:\n%s", driverLog())
		}
	})
	started := regexp.MustCompile(`started successfully on port (\d+)`)
	waitFor(t, "chromedriver to start", func() (bool, string) {
		select {
		case <-exited:
			t.Fatalf("chromedriver exited: %s\n%s", cmd.ProcessState, driverLog())
		default:
		}
		m := started.FindStringSubmatch(driverLog())
		if m == nil {
			return false, "no port printed yet"
		}
		root = "http://127.0.0.1:" + m[1]
		var status struct {
			Ready bool `json:"ready"`
		}
		if err := b.request("GET", root+"/status", nil, &status); err != nil {
			return false, err.Error()
		}
		return status.Ready, "not ready"
	})
	// Chromium's flags: this machine has no network, and without these it
	// stalls on first-run, sync, component and QUIC traffic.
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--window-size=1200,900"}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":        "chrome",
		"pageLoadStrategy":   "normal",
		"timeouts":           map[string]int{"implicit": 0, "pageLoad": int(browserWait / time.Millisecond), "script": 5000},
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": args},
	}}}
	var created struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.request("POST", root+"/session", caps, &created); err != nil {
		t.Fatalf("new WebDriver session: %v", err)
	}
	b.session = root + "/session/" + created.SessionID
	return b
}

// waitFor polls cond until it holds, failing the test after browserWait
// with the last reason cond gave.
func waitFor(t *testing.T, what string, cond func() (ok bool, why string)) {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s: %s", browserWait, what, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// request sends one WebDriver command and decodes its "value" into out
// (when not nil); an error answer becomes a *wdError.
func (b *browser) request(method, addr string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, addr, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var answer struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &answer); err != nil {
		return fmt.Errorf("%s %s: %s: not a WebDriver answer: %q", method, addr, resp.Status, data)
	}
	if resp.StatusCode != http.StatusOK {
		var e wdError
		if err := json.Unmarshal(answer.Value, &e); err != nil || e.Code == "" {
			return fmt.Errorf("%s %s: %s: %q", method, addr, resp.Status, data)
		}
		return &e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(answer.Value, out); err != nil {
		return fmt.Errorf("%s %s: value %s: %v", method, addr, answer.Value, err)
	}
	return nil
}

// call sends a command of the session: path is relative to it ("/url").
func (b *browser) call(method, path string, body, out any) error {
	return b.request(method, b.session+path, body, out)
}

// must sends a command of the session and fails the test on an error.
func (b *browser) must(method, path string, body, out any) {
	b.t.Helper()
	if err := b.call(method, path, body, out); err != nil {
		b.t.Fatalf("WebDriver %s %s: %v", method, path, err)
	}
}

// open navigates to addr and returns once the page has loaded.
func (b *browser) open(addr string) {
	b.t.Helper()
	b.must("POST", "/url", map[string]string{"url": addr}, nil)
	b.waitLoaded()
}

// url is the address of the current page.
func (b *browser) url() string {
	b.t.Helper()
	var u string
	b.must("GET", "/url", nil, &u)
	return u
}

// waitLoaded waits until the current document has finished loading.
func (b *browser) waitLoaded() {
	b.t.Helper()
	waitFor(b.t, "the page to load", func() (bool, string) {
		var state string
		if err := b.call("POST", "/execute/sync", map[string]any{"script": "return document.readyState", "args": []any{}}, &state); err != nil {
			return false, err.Error()
		}
		return state == "complete", "document.readyState " + state
	})
}

// follow clicks an element that leaves the page (a link, a form's
// button), waits for the next page to load, and checks that it is want.
// Credentials in the browser's URL (http://user:password@host/) are not
// compared.
func (b *browser) follow(el, want string) {
	b.t.Helper()
	// The current document is marked, so that the next one is told apart
	// from it even before its URL changes.
	b.script(nil, `window.blobimageOldPage = true`)
	b.click(el)
	waitFor(b.t, "the page after the click to load", func() (bool, string) {
		var page struct {
			Old   bool
			State string
		}
		err := b.call("POST", "/execute/sync", map[string]any{"args": []any{},
			"script": `return {Old: window.blobimageOldPage === true, State: document.readyState}`}, &page)
		if err != nil {
			return false, err.Error()
		}
		return !page.Old && page.State == "complete", fmt.Sprintf("%+v", page)
	})
	u, err := url.Parse(b.url())
	if err != nil {
		b.t.Fatal(err)
	}
	u.User = nil
	if u.String() != want {
		b.t.Fatalf("the click led to %s, want %s", u, want)
	}
}

// elements returns the elements of the current page that match a CSS
// selector, in document order.
func (b *browser) elements(css string) []string {
	b.t.Helper()
	var refs []map[string]string
	b.must("POST", "/elements", map[string]string{"using": "css selector", "value": css}, &refs)
	ids := make([]string, len(refs))
	for i, r := range refs {
		ids[i] = r[elementKey]
	}
	return ids
}

// element waits for an element that matches a CSS selector and returns it.
func (b *browser) element(css string) string {
	b.t.Helper()
	var id string
	waitFor(b.t, "an element "+css, func() (bool, string) {
		var ref map[string]string
		err := b.call("POST", "/element", map[string]string{"using": "css selector", "value": css}, &ref)
		var we *wdError
		if errors.As(err, &we) && we.Code == "no such element" {
			return false, "not on " + b.url()
		}
		if err != nil {
			b.t.Fatalf("find %s: %v", css, err)
		}
		id = ref[elementKey]
		return true, ""
	})
	return id
}

// click clicks an element (its centre, as a person would).
func (b *browser) click(el string) {
	b.t.Helper()
	b.must("POST", "/element/"+el+"/click", map[string]any{}, nil)
}

// typeText sends keystrokes to an element; to a file input, the text is
// the path of the file to choose.
func (b *browser) typeText(el, text string) {
	b.t.Helper()
	b.must("POST", "/element/"+el+"/value", map[string]string{"text": text}, nil)
}

// text is an element's rendered text.
func (b *browser) text(el string) string {
	b.t.Helper()
	var s string
	b.must("GET", "/element/"+el+"/text", nil, &s)
	return s
}

// script runs JavaScript in the page (the body of a function; arguments
// in arguments[i], elements as element ids) and decodes its result into out.
func (b *browser) script(out any, js string, args ...any) {
	b.t.Helper()
	for i, a := range args {
		if id, ok := a.(elementRef); ok {
			args[i] = map[string]string{elementKey: string(id)}
		}
	}
	if args == nil {
		args = []any{}
	}
	b.must("POST", "/execute/sync", map[string]any{"script": js, "args": args}, out)
}

// elementRef marks a script argument as an element id.
type elementRef string
