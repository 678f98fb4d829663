package main

// worker --notifications: adopting objects written past the wrapper, as
// the bucket's event notifications report them.

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/blobimage/blobimage/blobimage"
	"github.com/blobimage/blobimage/queue"
)

// workNotifications runs a queue.Adopter on the subscription at rawURL
// until ctx ends: each adopted object is printed as "adopted KEY" on
// stdout, each refusal or failure on stderr.
func workNotifications(ctx context.Context, e *env, rawURL string, conc int) int {
	s, sub, closeAll, code := openWorker(ctx, e, "--notifications", rawURL, conc)
	if s == nil {
		return code
	}
	defer closeAll()
	var mu sync.Mutex
	a := &queue.Adopter{Store: s, Subscription: sub.Subscription, Concurrency: conc,
		Done: func(ev queue.Event, out *blobimage.Outcome, err error) {
			mu.Lock()
			defer mu.Unlock()
			var pe *queue.PayloadError
			switch {
			case errors.As(err, &pe):
				fmt.Fprintf(e.stderr, "blobimage: worker: skipped a message: %v\n", err)
			case err != nil:
				fmt.Fprintf(e.stderr, "blobimage: worker: %s: %v\n", ev.Key, err)
			case out != nil && out.Adopted:
				fmt.Fprintf(e.stdout, "adopted %s\n", ev.Key)
			case out != nil && out.Promoted:
				fmt.Fprintf(e.stdout, "promoted %s\n", out.Key)
			}
		}}
	fmt.Fprintf(e.stderr, "blobimage: worker adopting objects from the notifications on %s\n", redact(rawURL))
	if err := a.Run(ctx); err != nil {
		e.fail("worker: %v", err)
		return exitFail
	}
	return exitOK
}
