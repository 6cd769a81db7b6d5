#!/usr/bin/env bash
# bench-relay.sh — relayed packets per CPU-second: Tandem's turnrelay vs
# coturn and vs stock pion/turn, same load generator (coturn's
# turnutils_uclient), same run.
#
# The relays run on 127.0.0.1 only, one after the other (never at the same
# time, so they do not compete for the 2 cores), alternating for ROUNDS
# rounds. uclient runs CLIENTS client pairs in client-to-client mode (-y):
# every message goes client -> relay -> other client's relayed port ->
# relay -> other client, over channels (ChannelData). The figure per run is
# messages received by the clients divided by the CPU seconds
# (utime+stime from /proc/PID/stat) the relay process spent during the
# load. Bar: ratio >= 1.0.
#
# Needs: Debian package coturn (turnserver, turnutils_uclient), Go.
# "tandem" is turnrelay as shipped; "stock" is pion/turn v5 with default
# settings (internal/relay/benchstock), the bar's second baseline (>= 2x).
# BASE=FILE adds "base", another turnrelay binary (say, built from an
# earlier commit), to compare a change before/after in the same run.
# Loss is uclient's own count of messages sent but not received.
# Usage: scripts/bench-relay.sh   (env: CLIENTS MSGS LEN INTERVAL ROUNDS BASE)
set -euo pipefail
export GOTOOLCHAIN=auto # go.mod names the patched toolchain

CLIENTS=${CLIENTS:-25}   # uclient -m: client pairs... (uclient counts each client)
MSGS=${MSGS:-4000}       # uclient -n: messages per client
LEN=${LEN:-1000}         # uclient -l: payload bytes (a video packet is ~1000-1200)
INTERVAL=${INTERVAL:-1}  # uclient -z: ms between a client's messages
ROUNDS=${ROUNDS:-2}

cd "$(dirname "$0")/.."
command -v turnserver >/dev/null && command -v turnutils_uclient >/dev/null || {
	echo "bench-relay: coturn missing: apt-get update && apt-get install -y coturn" >&2
	exit 1
}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/turnrelay" ./turnrelay
go build -o "$work/stock" ./internal/relay/benchstock
head -c 32 /dev/urandom | base64 >"$work/secret"
secret=$(cat "$work/secret")
tck=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wait_port() { # wait until something listens on UDP port $1
	for _ in $(seq 100); do
		ss -lun | grep -q ":$1 " && return 0
		sleep 0.05
	done
	echo "bench-relay: nothing listening on udp $1" >&2
	exit 1
}

start_coturn() {
	turnserver -n --listening-ip=127.0.0.1 --listening-port=3479 --relay-ip=127.0.0.1 \
		--use-auth-secret --static-auth-secret="$secret" --realm=tandem \
		--allow-loopback-peers --allowed-peer-ip=127.0.0.1 \
		--no-tls --no-dtls --no-tcp --no-stun --no-cli --min-port=50000 --max-port=54999 \
		--log-file="$work/coturn.log" --simple-log >/dev/null 2>&1 &
	pid=$!
	port=3479
}

start_stock() {
	"$work/stock" -udp 127.0.0.1:3480 -secret-file "$work/secret" -min-port 60000 -max-port 64999 \
		>/dev/null 2>"$work/stock.log" &
	pid=$!
	port=3480
}

start_tandem() { start_turnrelay "$work/turnrelay"; }
start_base() { start_turnrelay "$BASE"; }
start_turnrelay() {
	"$1" -udp 127.0.0.1:3478 -tcp "" -tls "" -metrics "" -log-level error \
		-secret-file "$work/secret" -allow-peers 127.0.0.1/32 -relay-ports 55000-59999 \
		-user-quota 100000 >/dev/null 2>"$work/tandem.log" &
	pid=$!
	port=3478
}

# run NAME: start the relay, load it, print "NAME recv lost cpu_s rate".
run() {
	"start_$1"
	pids+=("$pid")
	wait_port "$port"
	local before after out recv lost
	before=$(cpu_ticks "$pid")
	out=$(turnutils_uclient -y -c -m "$CLIENTS" -n "$MSGS" -l "$LEN" -z "$INTERVAL" \
		-W "$secret" -u bench -p "$port" 127.0.0.1 2>&1 | tail -8)
	after=$(cpu_ticks "$pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	recv=$(sed -n 's/.*tot_send_msgs=[0-9]*, tot_recv_msgs=\([0-9]*\)$/\1/p' <<<"$out" | tail -1)
	lost=$(sed -n 's/.*Total lost packets \([0-9]*\) (\([0-9.]*\)%).*/\2%/p' <<<"$out" | tail -1)
	if [ -z "$recv" ] || [ "$after" -le "$before" ]; then
		echo "bench-relay: $1 run failed:" >&2
		echo "$out" >&2
		exit 1
	fi
	awk -v n="$1" -v r="$recv" -v l="$lost" -v t=$((after - before)) -v hz="$tck" \
		'BEGIN { printf "%-7s recv %8d  lost %-9s cpu %6.2f s  %9.0f msg/cpu-s\n", n, r, l, t/hz, r/(t/hz) }'
}

relays="coturn tandem stock"
if [ -n "${BASE-}" ]; then relays="$relays base"; fi

echo "bench-relay: uclient -y -c -m $CLIENTS -n $MSGS -l $LEN -z $INTERVAL, $ROUNDS rounds of: $relays"
results=$work/results
for round in $(seq "$ROUNDS"); do
	# Rotate the order each round so no relay always runs first or last.
	set -- $relays
	for _ in $(seq $(((round - 1) % $#))); do set -- "${@:2}" "$1"; done
	for r in "$@"; do run "$r" | tee -a "$results"; done
done
awk '{ rate[$1] += $(NF-1); n[$1]++; sub("%", "", $5); lost[$1] += $5 }
END {
	printf "mean msg per relay CPU-second (mean loss):"
	for (k in rate) printf " %s %.0f (%.2f%%)", k, rate[k] / n[k], lost[k] / n[k]
	printf "\n"
	t = rate["tandem"] / n["tandem"]
	printf "ratio tandem/coturn = %.2f (bar >= 1.00); tandem/stock = %.2f (bar >= 2.00)", t / (rate["coturn"] / n["coturn"]), t / (rate["stock"] / n["stock"])
	if (n["base"]) printf "; tandem/base = %.2f", t / (rate["base"] / n["base"])
	printf "\n"
}' "$results"
