// Package natstest starts an in-process NATS server with JetStream for
// tests. It imports github.com/nats-io/nats-server/v2, so only test code
// should import it.
package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Start starts a NATS server with JetStream enabled, listening on
// 127.0.0.1 on a random port and storing its data under t.TempDir(). It
// returns the client URL (nats://127.0.0.1:PORT). The server is shut down by
// t.Cleanup.
func Start(t testing.TB) (url string) {
	t.Helper()
	s, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      server.RANDOM_PORT,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	})
	if err != nil {
		t.Fatalf("natstest: creating NATS server: %v", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		t.Fatal("natstest: NATS server not ready for connections after 10s")
	}
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s.ClientURL()
}
