// Command linkcheck is the smallest program that uses package vpx; the
// package's tests build it and check with ldd that libvpx and libyuv are
// linked statically.
package main

import (
	"fmt"
	"image"
	"os"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

func main() {
	e, err := vpx.NewEncoder(vpx.Config{Codec: vpx.VP8, Width: 64, Height: 64})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer e.Close()
	f := vpx.NewI420(64, 64)
	if err := vpx.BGRXToI420(f, make([]byte, 64*64*4), 64*4); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := vpx.I420ToRGBA(image.NewRGBA(image.Rect(0, 0, 64, 64)), f); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
