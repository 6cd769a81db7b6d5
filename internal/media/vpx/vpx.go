// Package vpx is Tandem's realtime video codec: VP8 and VP9 encode and decode
// through a small direct cgo wrapper around libvpx, and BGRX↔I420 colour
// conversion through libyuv.
//
// # Flow
//
// The agent captures BGRX frames (X11's 32-bit layout: bytes B, G, R, X),
// converts them into one reused I420 with BGRXToI420, or with
// BGRXToI420Rect for just the region that changed, and hands the I420 to
// Encoder.Encode. The encoder runs libvpx in realtime mode: VPX_DL_REALTIME,
// no lookahead, CBR, error resilient, screen-content tuning, a fast
// cpu-used and threads where they pay (see Config.Threads). Keyframes come on demand (forceKey, for a
// PLI) and otherwise only after a long interval. The technician's Decoder
// turns packets back into I420, and I420ToRGBA makes an image.RGBA for PNG
// files and the viewer.
//
// Nothing on the per-frame path allocates Go memory: the encoder reuses its
// output buffer and the decoder returns a view of libvpx's frame. Each
// method documents how long what it returns stays valid.
//
// # Linking
//
// libvpx and libyuv are linked statically from Debian's libvpx-dev and
// libyuv-dev archives, so the agent binary needs neither shared library at
// run time. libyuv needs no C++ runtime for the functions used here;
// TestStaticLink checks the result with ldd.
//
// For Windows (GOOS=windows, CC=x86_64-w64-mingw32-gcc) the libraries come
// from scripts/build-mingw-deps.sh, which builds the same Debian versions
// for mingw and prints the CGO_CFLAGS and CGO_LDFLAGS that find them; they,
// libgcc and winpthread are linked statically, so the .exe imports only
// KERNEL32.dll and msvcrt.dll. TestWine checks that and runs the result.
package vpx

/*
#cgo CFLAGS: -O2 -Wall
#cgo !windows LDFLAGS: -Wl,-Bstatic -lvpx -lyuv -Wl,-Bdynamic -lm -lpthread
#cgo windows LDFLAGS: -Wl,-Bstatic -lvpx -lyuv -lwinpthread -Wl,-Bdynamic -static-libgcc
#include "tandem_vpx.h"
*/
import "C"

import (
	"fmt"
	"runtime"
)

// Codec selects VP8 or VP9.
type Codec int

const (
	VP8 Codec = iota + 1
	VP9
)

func (c Codec) String() string {
	switch c {
	case VP8:
		return "VP8"
	case VP9:
		return "VP9"
	}
	return fmt.Sprintf("Codec(%d)", int(c))
}

func (c Codec) valid() bool { return c == VP8 || c == VP9 }

// codecError wraps libvpx's description of a failure: the generic message
// for the error code and, when libvpx gave one, the detail string.
func codecError(op *C.char, ctx *C.vpx_codec_ctx_t, inited C.int, code C.vpx_codec_err_t) error {
	msg := C.GoString(C.vpx_codec_err_to_string(code))
	if inited != 0 {
		if d := C.vpx_codec_error_detail(ctx); d != nil {
			msg += ": " + C.GoString(d)
		}
	}
	return fmt.Errorf("vpx: %s: %s", C.GoString(op), msg)
}

// defaultThreads is min(2, NumCPU): beyond two threads libvpx gains little
// at 1080p and the capture and network paths need the other cores.
func defaultThreads() int {
	return min(2, runtime.NumCPU())
}
