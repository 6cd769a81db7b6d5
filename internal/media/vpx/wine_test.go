package vpx

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tandem-remote/tandem/internal/testkit/wintest"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// probeResult is what testdata/vpxprobe prints.
type probeResult struct {
	GOOS          string  `json:"goos"`
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

// TestWine cross-builds testdata/vpxprobe for Windows x86-64 against the
// mingw libvpx and libyuv of scripts/build-mingw-deps.sh (run here; it
// builds them once, a few minutes, then answers from its cache), checks
// the .exe imports only system DLLs, runs it under wine64 on Xvfb, and
// requires the Linux build's exact VP8 stream and decoded pictures from
// 30 synthetic 1080p frames. It logs encode ms/frame for both.
func TestWine(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds and runs Wine")
	}
	tools := wintest.Tools(t)
	display := xvfb.Start(t, 1280, 800)
	env := wintest.MingwEnv(t)
	dir := t.TempDir()

	exe := filepath.Join(dir, "vpxprobe.exe")
	goBuild(t, append(env, "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=1"), exe, "./testdata/vpxprobe")
	wintest.CheckImports(t, tools["objdump"], exe)
	native := filepath.Join(dir, "vpxprobe")
	goBuild(t, nil, native, "./testdata/vpxprobe")

	prefix := wintest.NewPrefix(t, tools, display, filepath.Join(dir, "prefix"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	winRes := runProbe(t, prefix.Command(ctx, exe, "-frames", "30"))
	linRes := runProbe(t, exec.Command(native, "-frames", "30"))

	t.Logf("VP8 1080p realtime, 30 frames: encode %.2f ms/frame under Wine, %.2f ms/frame native Linux (convert %.2f/%.2f, decode %.2f/%.2f); %d bytes, PSNR min %.2f avg %.2f dB",
		winRes.EncodeMs, linRes.EncodeMs, winRes.ConvertMs, linRes.ConvertMs, winRes.DecodeMs, linRes.DecodeMs,
		winRes.Bytes, winRes.PSNRMin, winRes.PSNRAvg)
	if winRes.GOOS != "windows" {
		t.Errorf("probe under Wine says GOOS %q", winRes.GOOS)
	}
	if winRes.Encoded != 30 || winRes.Decoded != 30 || winRes.Keyframes < 1 {
		t.Errorf("under Wine: %d frames encoded, %d decoded, %d keyframes; want 30, 30, ≥1", winRes.Encoded, winRes.Decoded, winRes.Keyframes)
	}
	if winRes.PSNRMin < 30 {
		t.Errorf("under Wine: PSNR min %.2f dB, want ≥ 30", winRes.PSNRMin)
	}
	if winRes.StreamSHA256 != linRes.StreamSHA256 || winRes.Bytes != linRes.Bytes {
		t.Errorf("VP8 stream differs: Windows %d bytes %s, Linux %d bytes %s", winRes.Bytes, winRes.StreamSHA256, linRes.Bytes, linRes.StreamSHA256)
	}
	if winRes.DecodedSHA256 != linRes.DecodedSHA256 {
		t.Errorf("decoded pictures differ: Windows %s, Linux %s", winRes.DecodedSHA256, linRes.DecodedSHA256)
	}
}

func goBuild(t *testing.T, env []string, out, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s (%s): %v\n%s", pkg, strings.Join(env, " "), err, b)
	}
}

func runProbe(t *testing.T, cmd *exec.Cmd) probeResult {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", strings.Join(cmd.Args, " "), err, out, stderr.Bytes())
	}
	var res probeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s printed %q: %v", strings.Join(cmd.Args, " "), out, err)
	}
	return res
}
