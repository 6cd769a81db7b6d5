package filexfer

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// mountInfoPath is where the mount table is read (tests replace it).
var mountInfoPath = "/proc/self/mountinfo"

// onDemandMount names the autofs mount point a path lies in or under,
// "" if none. Looking a path up under an autofs point mounts what its map
// says for that name: with the common "/net -hosts" map, "/net/HOST/x"
// makes this computer mount NFS exports from HOST, a host the asker chose,
// and wait on it, before the customer has been asked anything. The mount
// table is read, not the path, so nothing is mounted by asking. Where the
// table cannot be read nothing is refused. The innermost mount decides: a
// share already mounted below an autofs point (an NFS home under /home)
// is an ordinary folder.
func onDemandMount(path string) string {
	f, err := os.Open(mountInfoPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	best, bestType := "", ""
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		point, fstype, ok := parseMountInfo(sc.Text())
		if ok && within(path, point) && len(point) >= len(best) {
			best, bestType = point, fstype
		}
	}
	if bestType != "autofs" {
		return ""
	}
	return best
}

// parseMountInfo returns the mount point and file system type of one line
// of /proc/PID/mountinfo: "ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...]
// - FSTYPE SOURCE SUPEROPTIONS", with spaces and the like in POINT written
// as octal escapes ("\040").
func parseMountInfo(line string) (point, fstype string, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 7 {
		return "", "", false
	}
	for i := 6; i < len(fields)-1; i++ {
		if fields[i] == "-" {
			return unescapeMount(fields[4]), fields[i+1], true
		}
	}
	return "", "", false
}

// unescapeMount undoes the kernel's octal escapes (\040 space, \011 tab,
// \012 newline, \134 backslash).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// within says whether path is dir or below it (both absolute, cleaned).
func within(path, dir string) bool {
	return path == dir || dir == "/" || strings.HasPrefix(path, dir+"/")
}

// checkOnDemand refuses, before anything is looked at, a path in a folder
// that mounts network shares on demand.
func checkOnDemand(path string) error {
	if point := onDemandMount(path); point != "" {
		return fmt.Errorf("%w: %s is in %s, where this computer mounts network shares on demand (autofs), and Tandem reaches no network share for a request before its owner is asked; name a file on a mounted disk", ErrUnavailable, path, point)
	}
	return nil
}
