#!/usr/bin/env bash
# bench-loss.sh — the loss matrix (internal/testkit/netlab TestLossMatrix, root):
# a live screen (xterm printing the time every 50 ms on a private Xvfb)
# from an agent behind one cone NAT to a headless technician behind
# another, with the signaling server's embedded relay on the wan. Each
# router drops a share of what it forwards into its LAN at random
# (iptables statistic): 0, 2, 5, 10 and 20 % each way, with and without
# 50 ms of added round trip on the agent's hop, direct and -relay-only.
# Prints a Markdown table: frames decoded, frames/s, the longest run of
# stats seconds without a decoded frame, frames given up, received kbit/s
# and the agent's last target bitrate. Nothing is asserted beyond each
# session ending cleanly. About 10 minutes.
# BASE=rev (a git revision) builds that revision's agent and technician
# and runs each row with them right before this tree's, in the same run
# (a "build" column says which): about 20 minutes.
# KEYS=1 runs, instead, the data-channel side of loss (internal/link/peer,
# root): BenchmarkInputUnderLoss (a key's round trip at 0 and 10 % loss,
# idle and with a file streaming, for each SCTP RTO cap compared) and
# BenchmarkRTOLongPath (file goodput and retransmission overhead on 300 and
# 600 ms round-trip paths for the same caps). About 15 minutes.
# LANE=1 runs BenchmarkKeyDelayUnderLoss: a key's delay to the agent by the
# input lane and by the input channel, at 0 and 10 % loss, with no file or
# a file streaming either way. About 3 minutes.
# SCREEN=1 runs BenchmarkKeyToScreenUnderLoss (internal/testkit/netlab):
# the whole loop a technician feels when typing, from the key sent to the
# first decoded picture showing it (the technician's -key-delay pressing X
# in an xterm running cat on the agent's Xvfb), at 0 and 10 % loss each
# way, idle and with a 1 GiB file streaming to the agent or to the
# technician; p50/p95/max ms per row and p50, p95 over the loss-free idle
# row of the same run. About 8 minutes.
# Usage: sudo scripts/bench-loss.sh   (env: RATES=0,10 SECONDS_=20 NODELAY=1 RUN=regexp BASE=rev KEYS=1 LANE=1 SCREEN=1 POLICE=kbit)
set -euo pipefail
export GOTOOLCHAIN=auto # go.mod names the patched toolchain
cd "$(dirname "$0")/.."
if [ -n "${SCREEN:-}" ]; then
	go test -count=1 -timeout 30m -run '^$' -benchtime 1x \
		-bench 'BenchmarkKeyToScreenUnderLoss' ./internal/testkit/netlab |
		grep -E '^Benchmark|^(--- )?(FAIL|ok)'
	exit
fi
if [ -n "${LANE:-}" ]; then
	go test -count=1 -timeout 30m -run '^$' -benchtime 1x \
		-bench 'BenchmarkKeyDelayUnderLoss' ./internal/link/peer |
		grep -E '^Benchmark|^(--- )?(FAIL|ok)'
	exit
fi
if [ -n "${KEYS:-}" ]; then
	go test -count=1 -timeout 60m -run '^$' -benchtime 1x \
		-bench 'BenchmarkInputUnderLoss|BenchmarkRTOLongPath' ./internal/link/peer |
		grep -E '^Benchmark|^(--- )?(FAIL|ok)'
	exit
fi
export TANDEM_LOSS_MATRIX=1
if [ -n "${BASE:-}" ]; then
	base=$(mktemp -d)
	trap 'rm -rf "$base"' EXIT
	git archive "$BASE" | tar -x -C "$base"
	(cd "$base" && go build -o "$base/bin/" ./agent ./technician)
	export TANDEM_LOSS_BASE=$base/bin
fi
export TANDEM_LOSS_RATES=${RATES:-}
export TANDEM_LOSS_SECONDS=${SECONDS_:-}
export TANDEM_LOSS_NODELAY=${NODELAY:-}
export TANDEM_LOSS_POLICE=${POLICE:-}
go test -count=1 -timeout 90m -run "TestLossMatrix${RUN:+/$RUN}" -v ./internal/testkit/netlab | grep -E '^\||^(--- )?(FAIL|ok)|netlab:'
