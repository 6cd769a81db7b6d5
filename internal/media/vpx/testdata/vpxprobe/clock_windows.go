package main

import (
	"syscall"
	"unsafe"
)

// Under Wine, Go's monotonic clock advances in coarse steps (time.Since
// returned 0 for short intervals), so the probe reads the performance
// counter itself.
var (
	kernel32 = syscall.NewLazyDLL("kernel32.dll")
	qpc      = kernel32.NewProc("QueryPerformanceCounter")
	qpf      = kernel32.NewProc("QueryPerformanceFrequency")
	qpfHz    = func() int64 {
		var f int64
		qpf.Call(uintptr(unsafe.Pointer(&f)))
		return f
	}()
)

// now is a monotonic time in nanoseconds.
func now() int64 {
	var c int64
	qpc.Call(uintptr(unsafe.Pointer(&c)))
	return c/qpfHz*1e9 + c%qpfHz*1e9/qpfHz
}
