package filexfer

import (
	"fmt"
	"strings"
)

// Windows reads some strings as places that are not files on the
// computer's own disks, and it goes there as soon as a path is looked at:
// "\\attacker\share\x" makes it connect to that host over SMB and offer
// its user's NTLM hash, "\\.\pipe\x", "\\?\..." and "\??\..." bypass the
// usual path rules, "COM1" or "nul.txt" in any folder is a device, "a:b"
// names a stream or a device, and "C:x" is read from whichever folder
// drive C: was last in. A requested path is resolved (looked at) before
// its owner is asked, so these are refused from the string alone, before
// anything is touched, on every OS: the serving side may be Windows when
// the requesting side is not, and the reverse.

// localProblem says why path might not name a file on this computer's own
// disks, or "" if it names one.
func localProblem(path string) string {
	if isSeparatorByte(path, 0) && (isSeparatorByte(path, 1) ||
		strings.HasPrefix(path[1:], "??") && isSeparatorByte(path, 3)) {
		return `starts with \\ or //, which names a network share or a device (\\server\share, \\?\, \\.\pipe\); name a file on this computer's own disks`
	}
	rest := path
	if len(path) >= 2 && isASCIILetter(path[0]) && path[1] == ':' {
		if !isSeparatorByte(path, 2) {
			return fmt.Sprintf(`starts with %q, a drive-relative path; name the file by its full path (%s\...)`, path[:2], path[:2])
		}
		rest = path[2:]
	}
	if strings.Contains(rest, ":") {
		return "contains a colon, which on Windows names a device (COM1:) or a file's hidden stream (a.pdf:secret); name the file by a path without one"
	}
	for _, elem := range strings.FieldsFunc(rest, isSeparator) {
		if reserved[reservedStem(elem)] {
			return fmt.Sprintf(`has the element %q, a device name reserved by Windows (CON, NUL, COM1...); name a file`, elem)
		}
	}
	return ""
}

// isSeparatorByte says whether path has a separator at byte i.
func isSeparatorByte(path string, i int) bool {
	return i < len(path) && isSeparator(rune(path[i]))
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
