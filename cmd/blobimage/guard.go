package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"unicode"
)

// guard is what makes `serve` safe to expose, in front of every route:
//
//   - X-Content-Type-Options: nosniff on every response;
//   - the Host header must name the server: a loopback name (localhost,
//     127.0.0.1, [::1]), the address it listens on, or a --host name.
//     A page on another site whose DNS name was rebound to 127.0.0.1
//     sends its own name, so it is refused (421) before it can read or
//     change anything;
//   - keys with Unicode format characters (bidi overrides, zero-width
//     characters), in the path or in ?key=, are refused (400);
//   - writes (the POST routes) need the credentials when there are some,
//     and every route does with AuthAll (401 with WWW-Authenticate:
//     Basic, which a browser answers with its own login dialog, no
//     JavaScript needed); a read-only server refuses them (403). The PUT
//     of a direct upload to a file:// bucket (directPutPath) is
//     authorised by its URL's signature instead of the credentials: only
//     an authorised presign makes one.
func guard(o serveOptions, next http.Handler) http.Handler {
	allowed := map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true}
	if host, _, err := net.SplitHostPort(o.Listen); err == nil && host != "" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
			allowed[strings.ToLower(host)] = true
		}
	}
	for _, h := range o.Hosts {
		allowed[strings.ToLower(strings.Trim(h, "[]"))] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(strings.Trim(host, "[]"))
		if !allowed[host] {
			refuse(w, http.StatusMisdirectedRequest, fmt.Sprintf("this server does not answer to the host %q (start it with --host %s to allow that name)", r.Host, host))
			return
		}
		if bad := formatChar(r.URL.Path + r.URL.Query().Get("key")); bad != 0 {
			refuse(w, http.StatusBadRequest, fmt.Sprintf("invalid key: it holds the format character %U (bidi overrides and invisible characters make keys that read as other keys)", bad))
			return
		}
		write := r.Method != http.MethodGet && r.Method != http.MethodHead
		signedPut := o.Signer != nil && r.Method == http.MethodPut && r.URL.Path == directPutPath
		if o.Auth != nil && ((write && !signedPut) || o.AuthAll) && !o.Auth.match(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="blobimage", charset="UTF-8"`)
			refuse(w, http.StatusUnauthorized, "credentials required")
			return
		}
		if write && o.ReadOnly {
			refuse(w, http.StatusForbidden, "read-only: this server listens on a public address without credentials; start it with --auth USER:PASSWORD to allow uploads and deletes")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuse answers a request the guard stops, as plain text.
func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// formatChar returns the first Unicode format character of s, or 0.
func formatChar(s string) rune {
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) {
			return r
		}
	}
	return 0
}

// credentials are the user and password of --auth, kept as digests so
// that comparing them takes the same time whatever the guess.
type credentials struct {
	user, pass [sha256.Size]byte
}

// parseCredentials reads USER:PASSWORD.
func parseCredentials(s string) (*credentials, error) {
	user, pass, ok := strings.Cut(s, ":")
	if !ok || user == "" || pass == "" {
		return nil, errors.New("want USER:PASSWORD, both non-empty")
	}
	return &credentials{user: sha256.Sum256([]byte(user)), pass: sha256.Sum256([]byte(pass))}, nil
}

// match reports whether r carries the credentials.
func (c *credentials) match(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	u, p := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(pass))
	return subtle.ConstantTimeCompare(u[:], c.user[:])&subtle.ConstantTimeCompare(p[:], c.pass[:]) == 1
}

// hostList is the repeatable --host flag.
type hostList []string

func (h *hostList) String() string     { return strings.Join(*h, ",") }
func (h *hostList) Set(v string) error { *h = append(*h, v); return nil }

// isLoopback reports whether a listener's address is a loopback one.
func isLoopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

// limitListener accepts at most n connections at once; more wait in the
// kernel's backlog until one closes.
func limitListener(l net.Listener, n int) net.Listener {
	return &limited{Listener: l, slots: make(chan struct{}, n)}
}

type limited struct {
	net.Listener
	slots chan struct{}
}

func (l *limited) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &limitedConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
}

type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
