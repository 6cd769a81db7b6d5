// Command vpxprobe encodes synthetic desktop frames with package vpx's VP8
// realtime settings, decodes them again and prints one JSON line: frames
// encoded and decoded, the stream's size, SHA-256 sums of the encoded
// stream and of the decoded pictures, PSNR against the source and ms per
// frame for conversion, encoding and decoding.
//
// The package's Wine test cross-builds it for Windows, runs it under wine64
// and compares its line with the Linux build's: the same libvpx and libyuv
// versions must give the same bytes on both.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"

	"github.com/tandem-remote/tandem/internal/media/vpx"
)

// Result is the probe's output line.
type Result struct {
	GOOS          string  `json:"goos"`
	Width         int     `json:"width"`
	Height        int     `json:"height"`
	Frames        int     `json:"frames"`
	Encoded       int     `json:"encoded"`
	Decoded       int     `json:"decoded"`
	Keyframes     int     `json:"keyframes"`
	Bytes         int     `json:"bytes"`
	StreamSHA256  string  `json:"stream_sha256"`
	DecodedSHA256 string  `json:"decoded_sha256"`
	PSNRMin       float64 `json:"psnr_min"`
	PSNRAvg       float64 `json:"psnr_avg"`
	ConvertMs     float64 `json:"convert_ms_per_frame"`
	EncodeMs      float64 `json:"encode_ms_per_frame"`
	DecodeMs      float64 `json:"decode_ms_per_frame"`
}

func main() {
	frames := flag.Int("frames", 30, "frames to encode")
	width := flag.Int("width", 1920, "frame width")
	height := flag.Int("height", 1080, "frame height")
	flag.Parse()
	res, err := run(*width, *height, *frames)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vpxprobe:", err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "vpxprobe:", err)
		os.Exit(1)
	}
}

func run(w, h, n int) (Result, error) {
	res := Result{GOOS: runtime.GOOS, Width: w, Height: h, Frames: n, PSNRMin: math.Inf(1)}
	enc, err := vpx.NewEncoder(vpx.Config{Codec: vpx.VP8, Width: w, Height: h})
	if err != nil {
		return res, err
	}
	defer enc.Close()
	dec, err := vpx.NewDecoder(vpx.VP8)
	if err != nil {
		return res, err
	}
	defer dec.Close()

	scene := newDesktop(w, h)
	src := vpx.NewI420(w, h)
	stream, pictures := sha256.New(), sha256.New()
	var convertNs, encodeNs, decodeNs int64
	var psnrSum float64
	for i := range n {
		scene.step(i)
		t0 := now()
		if err := vpx.BGRXToI420(src, scene.pix, scene.stride); err != nil {
			return res, err
		}
		t1 := now()
		pkt, key, err := enc.Encode(src, int64(i)*vpx.ClockRate/30, i == 0)
		t2 := now()
		convertNs += t1 - t0
		encodeNs += t2 - t1
		if err != nil {
			return res, fmt.Errorf("frame %d: %w", i, err)
		}
		if pkt == nil {
			continue // dropped by rate control
		}
		res.Encoded++
		res.Bytes += len(pkt)
		if key {
			res.Keyframes++
		}
		stream.Write(pkt)
		t3 := now()
		out, err := dec.Decode(pkt)
		decodeNs += now() - t3
		if err != nil {
			return res, fmt.Errorf("decode frame %d: %w", i, err)
		}
		if out == nil {
			continue
		}
		res.Decoded++
		hashPicture(pictures, out)
		p := psnrY(src, out)
		psnrSum += p
		res.PSNRMin = min(res.PSNRMin, p)
	}
	if res.Decoded == 0 {
		return res, fmt.Errorf("no frame decoded out of %d", n)
	}
	res.StreamSHA256 = hex.EncodeToString(stream.Sum(nil))
	res.DecodedSHA256 = hex.EncodeToString(pictures.Sum(nil))
	res.PSNRAvg = round2(psnrSum / float64(res.Decoded))
	res.PSNRMin = round2(res.PSNRMin)
	res.ConvertMs = perFrame(convertNs, n)
	res.EncodeMs = perFrame(encodeNs, n)
	res.DecodeMs = perFrame(decodeNs, res.Encoded)
	return res, nil
}

func perFrame(ns int64, n int) float64 { return round2(float64(ns) / 1e6 / float64(max(n, 1))) }

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// hashPicture adds the visible pixels of f, row by row (strides differ).
func hashPicture(hs interface{ Write([]byte) (int, error) }, f *vpx.I420) {
	cw, ch := (f.Width+1)/2, (f.Height+1)/2
	for y := range f.Height {
		hs.Write(f.Y[y*f.StrideY : y*f.StrideY+f.Width])
	}
	for y := range ch {
		hs.Write(f.U[y*f.StrideUV : y*f.StrideUV+cw])
		hs.Write(f.V[y*f.StrideUV : y*f.StrideUV+cw])
	}
}

// psnrY is the luma PSNR of b against a, in dB (99 when identical).
func psnrY(a, b *vpx.I420) float64 {
	var sse float64
	for y := range a.Height {
		ra := a.Y[y*a.StrideY : y*a.StrideY+a.Width]
		rb := b.Y[y*b.StrideY : y*b.StrideY+a.Width]
		for x := range ra {
			d := float64(ra[x]) - float64(rb[x])
			sse += d * d
		}
	}
	if sse == 0 {
		return 99
	}
	mse := sse / float64(a.Width*a.Height)
	return 10 * math.Log10(255*255/mse)
}
