package selfremove

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tempPrefix starts the name of every agent's temporary directory; the
// agent's PID follows, so a later agent can tell a dead one's leftovers.
const tempPrefix = "tandem-agent-"

func makeTempDir() (string, error) {
	return os.MkdirTemp("", tempPrefix+strconv.Itoa(os.Getpid())+"-*")
}

// sweep removes the temporary directories of agents that died without
// removing them (SIGKILL, a crash, a power cut) and reports how many it
// removed. A directory whose process still runs is left alone; after a
// reboot the system's temp cleaning takes care of what PID reuse hides.
func (r *Remover) sweep() int {
	dirs, _ := filepath.Glob(filepath.Join(filepath.Dir(r.tempDir), tempPrefix+"*-*"))
	n := 0
	for _, dir := range dirs {
		pid, ok := tempPID(filepath.Base(dir))
		if !ok || dir == r.tempDir || processAlive(pid) || !ownedByMe(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			r.log.Warn("stale agent temp dir not removed", "path", dir, "err", err)
			continue
		}
		n++
	}
	return n
}

func tempPID(name string) (int, bool) {
	rest := strings.TrimPrefix(name, tempPrefix)
	pid, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, '-'), 0)])
	return pid, err == nil && pid > 0
}
