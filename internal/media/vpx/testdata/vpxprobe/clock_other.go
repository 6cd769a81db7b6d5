//go:build !windows

package main

import "time"

var start = time.Now()

// now is a monotonic time in nanoseconds.
func now() int64 { return int64(time.Since(start)) }
