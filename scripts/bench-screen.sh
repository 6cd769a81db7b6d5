#!/usr/bin/env bash
# bench-screen.sh — the screen pipeline's figures against a naive pipeline
# in the same run (internal/link/screen BenchmarkPipeline, under a private 1080p
# Xvfb): CPU % of one core for idle, typing and scrolling scenes, frames/s
# and kbit/s; capture→decoded and drawn→decoded latency; start→first
# decoded frame; the customer's Allow→first decoded frame with the encoder
# prepared during the consent question against made after Allow
# (first-frame-consent); the latency and first frames also over two real
# peer links on loopback. Nothing is asserted; read the "--- BENCH" lines.
#
# PROFILE=1 also profiles the scrolling scene and prints the Sender's top
# functions (the profile is narrowed to it by the pprof label
# pipeline=tandem; cgo time shows as runtime.cgocall under the vpx call).
# Usage: scripts/bench-screen.sh   (env: BENCH=regexp COUNT=n PROFILE=1)
set -euo pipefail
export GOTOOLCHAIN=auto # go.mod names the patched toolchain
cd "$(dirname "$0")/.."
BENCH=${BENCH:-Pipeline}
COUNT=${COUNT:-1}
go test -run '^$' -bench "$BENCH" -benchtime 1x -count "$COUNT" ./internal/link/screen
if [[ ${PROFILE:-} == 1 ]]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	go test -run '^$' -bench 'Pipeline/cpu-scrolling' -benchtime 1x -o "$work/screen.test" \
		-cpuprofile "$work/cpu.prof" ./internal/link/screen >/dev/null
	go tool pprof -top -cum -nodecount 25 -tagfocus pipeline=tandem "$work/screen.test" "$work/cpu.prof"
fi
