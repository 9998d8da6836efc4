// Package compatkit is the Go runners' share of the runner protocol (see
// compat/README.md): environment, one JSON result line, a hard deadline.
// The runners build in GOPATH mode with compat/lib/go on GOPATH.
package compatkit

import (
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// MessageMaxBytes is Kafka's default message.max.bytes (1 MiB + 12 bytes of log overhead).
const MessageMaxBytes = 1048588

// Timeout is the runner's own deadline, a little under the harness's kill.
var Timeout = func() time.Duration {
	var ms int
	if _, err := fmt.Sscan(EnvOr("SCENARIO_TIMEOUT_MS", "40000"), &ms); err != nil {
		ms = 40000
	}
	return time.Duration(ms) * time.Millisecond
}()

// EnvOr returns the environment variable k, or d when it is unset.
func EnvOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

// Emit prints one result line.
func Emit(scenario, status, reason string) {
	line := map[string]string{"scenario": scenario, "status": status}
	if reason != "" {
		line["reason"] = reason
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(line)
}

// Check fails the scenario (by panicking) unless ok.
func Check(ok bool, format string, args ...interface{}) {
	if !ok {
		panic(fmt.Errorf("check failed: "+format, args...))
	}
}

// Must fails the scenario on err, naming what was attempted.
func Must(err error, what string) {
	if err != nil {
		panic(fmt.Errorf("%s: %v", what, err))
	}
}

// EmitAll prints an "unsupported" line per entry: the runner's --unsupported answer.
func EmitAll(unsupported map[string]string) {
	for s, reason := range unsupported {
		Emit(s, "unsupported", reason)
	}
}

// Run runs one scenario: a pass with fn's note, a fail on panic, or a fail
// when Timeout passes first. It exits the process on failure.
func Run(name string, fn func() string) {
	time.AfterFunc(Timeout, func() {
		Emit(name, "fail", fmt.Sprintf("timed out after %v", Timeout))
		os.Exit(1)
	})
	defer func() {
		if r := recover(); r != nil {
			Emit(name, "fail", fmt.Sprint(r))
			os.Exit(1)
		}
	}()
	note := fn()
	Emit(name, "pass", note)
}
