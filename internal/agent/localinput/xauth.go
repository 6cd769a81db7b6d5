package localinput

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
)

// Xauthority address families that match a local display.
const (
	familyLocal = 256
	familyWild  = 65535
)

// authCookie returns the authorization for display number disp on this
// host from the Xauthority file, as xgb finds it for its own connections:
// the first Local entry for this host (or Wild entry) whose display
// matches. It returns empty values when there is none; the server then
// decides (Xvfb and many local servers accept no authorization).
func authCookie(host, disp string) (name string, data []byte) {
	if host == "" || host == "localhost" {
		host, _ = os.Hostname()
	}
	path := os.Getenv("XAUTHORITY")
	if path == "" {
		home := os.Getenv("HOME")
		if home == "" {
			return "", nil
		}
		path = home + "/.Xauthority"
	}
	f, err := os.Open(path)
	if err != nil {
		return "", nil
	}
	defer f.Close()
	return findCookie(bufio.NewReader(f), host, disp)
}

// findCookie reads Xauthority entries (family u16, then address, display
// number, name and data, each a big-endian u16 length and bytes).
func findCookie(r io.Reader, host, disp string) (string, []byte) {
	for {
		var family uint16
		if binary.Read(r, binary.BigEndian, &family) != nil {
			return "", nil
		}
		var fields [4][]byte
		for i := range fields {
			var n uint16
			if binary.Read(r, binary.BigEndian, &n) != nil {
				return "", nil
			}
			fields[i] = make([]byte, n)
			if _, err := io.ReadFull(r, fields[i]); err != nil {
				return "", nil
			}
		}
		addrOK := family == familyWild || family == familyLocal && string(fields[0]) == host
		dispOK := len(fields[1]) == 0 || string(fields[1]) == disp
		if addrOK && dispOK {
			return string(fields[2]), fields[3]
		}
	}
}
