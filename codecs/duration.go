package codecs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Duration is a time.Duration written in config files as a Go duration
// string ("90s", "1h").
//
// Only strings are read: a bare number such as 3600 is refused rather than
// guessed at (seconds to a person, nanoseconds to time.Duration).
type Duration time.Duration

// String returns the duration as time.Duration writes it, e.g. "1h0m0s".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a Go duration string, e.g. "15m0s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a Go duration string ("15m", "1h30m", "0").
func (d *Duration) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("must be a duration string such as \"15m\" or \"1h\", not %s", bytes.TrimSpace(data))
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"15m\" or \"1h\"", s)
	}
	*d = Duration(v)
	return nil
}
