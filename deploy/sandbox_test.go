package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sandboxScript runs signaling and turnrelay as the units would, as far
// as this container allows without systemd: in a network namespace of
// their own (loopback only), with the root file system read-only but for
// the state directory (ProtectSystem=strict, StateDirectory=), as an
// unprivileged user with no_new_privs and, when $4 is "caps", only
// CAP_NET_BIND_SERVICE (ambient, inheritable and bounding, as
// AmbientCapabilities= and CapabilityBoundingSet= give it). Each server
// binds a port below 1024; the script prints each /healthz status line.
const sandboxScript = `#!/bin/bash
set -u
state=$1 bin=$2 logs=$3 caps=$4
ip link set lo up
mount --bind "$state" "$state"
mount --bind "$logs" "$logs"
mount -o remount,bind,ro /
user=(setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs)
if [ "$caps" = caps ]; then
	user+=(--inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service --bounding-set=-all,+net_bind_service)
else
	user+=(--inh-caps=-all --bounding-set=-all)
fi
# healthz PORT PID prints the status line of http://127.0.0.1:PORT/healthz,
# asking up to 100 times while the server (PID) starts.
healthz() {
	for _ in $(seq 100); do
		kill -0 "$2" 2>/dev/null || break
		if { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null; then
			printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3
			echo "healthz $1: $(head -1 <&3 | tr -d '\r')"
			exec 3<&-
			return
		fi
		sleep 0.1
	done
	echo "healthz $1: no answer"
}
"${user[@]}" -- "$bin/signaling" -data "$state" -addr 127.0.0.1:443 -http-addr 127.0.0.1:80 \
	-metrics-addr 127.0.0.1:9640 -relay-udp 127.0.0.1:3478 -relay-tcp 127.0.0.1:3478 >"$logs/signaling.log" 2>&1 &
sig=$!
healthz 9640 "$sig"
"${user[@]}" -- "$bin/turnrelay" -udp 127.0.0.2:3478 -tcp 127.0.0.2:3478 -tls 127.0.0.2:443 -public-ip 127.0.0.2 \
	-cert "$state/cert.pem" -key "$state/key.pem" -secret-file "$state/turn-secret" -metrics 127.0.0.1:9641 >"$logs/turnrelay.log" 2>&1 &
relay=$!
healthz 9641 "$relay"
kill "$sig" "$relay" 2>/dev/null
wait
`

// TestUnitSandboxEmulated runs the servers with the units' user,
// capability and file-system restrictions, emulated with unshare and
// setpriv (no systemd runs here): both start, bind port 443 (and 80),
// watch their addresses over rtnetlink, write only their state directory
// and answer /healthz; without CAP_NET_BIND_SERVICE, 443 is refused. Not
// emulated: the system-call filter, RestrictAddressFamilies,
// MemoryDenyWriteExecute, the other Protect*= settings, LimitNOFILE
// (this container's hard limit is below it) and LoadCredential=.
func TestUnitSandboxEmulated(t *testing.T) {
	needRootDebian(t)
	for _, tool := range []string{"unshare", "setpriv", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s", tool)
		}
	}
	// Folders the unprivileged user can reach (t.TempDir is root's alone).
	top, err := os.MkdirTemp("", "tandem-sandbox-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(top) })
	bin, logs := filepath.Join(top, "bin"), filepath.Join(top, "logs")
	for _, d := range []string{top, bin, logs} {
		if err := os.MkdirAll(d, 0o755); err != nil || os.Chmod(d, 0o755) != nil {
			t.Fatal(err)
		}
	}
	run(t, cleanClone(t), goEnv(), "go", "build", "-o", bin+"/", "./signaling", "./turnrelay")
	script := filepath.Join(top, "sandbox.sh")
	writeFile(t, script, sandboxScript)

	for _, tc := range []struct {
		caps string
		want []string // in the script's output and the logs
	}{
		{"caps", []string{"healthz 9640: HTTP/1.0 200 OK", "healthz 9641: HTTP/1.0 200 OK",
			"listening on 127.0.0.1:443", "tls 127.0.0.2:443"}},
		{"none", []string{"bind: permission denied", "healthz 9640: no answer"}},
	} {
		t.Run(tc.caps, func(t *testing.T) {
			state := filepath.Join(top, "state-"+tc.caps)
			if err := os.Mkdir(state, 0o700); err != nil || os.Chown(state, 65534, 65534) != nil {
				t.Fatal(err)
			}
			out := run(t, "", nil, "unshare", "--net", "--mount", "--propagation", "private", "bash", script, state, bin, logs, tc.caps)
			all := out + readFile(t, filepath.Join(logs, "signaling.log")) + readFile(t, filepath.Join(logs, "turnrelay.log"))
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("want %q in:\n%s", w, all)
				}
			}
			for _, bad := range []string{"netlink", "read-only file system"} {
				if strings.Contains(all, bad) {
					t.Errorf("%q in:\n%s", bad, all)
				}
			}
			if tc.caps == "caps" {
				t.Logf("%s", out)
				checkStateOwned(t, state)
			}
		})
	}
}

// checkStateOwned checks signaling's files in the state directory belong
// to the user it ran as.
func checkStateOwned(t *testing.T, state string) {
	t.Helper()
	for _, f := range []string{"cert.pem", "key.pem", "turn-secret", "grant-key", "tandem.db"} {
		out, err := exec.Command("stat", "-c", "%u %a", filepath.Join(state, f)).Output()
		if err != nil || !strings.HasPrefix(string(out), "65534 ") {
			t.Errorf("%s: %q %v, want owned by the service's user", f, out, err)
		}
	}
}
