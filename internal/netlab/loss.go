package netlab

import (
	"fmt"
	"strconv"
	"strings"
)

// Loss makes the site's router drop a share p (0..1) of the packets it
// forwards from the wan into its LAN, at random (iptables' statistic
// match: this kernel has no netem). With Loss on both sites each
// direction between them loses p once, whichever path it takes (direct
// between the routers, or through a relay on the wan). Signaling's TCP
// loses its share too, as on a bad Wi-Fi.
func (s *Site) Loss(p float64) {
	s.lab.t.Helper()
	if p <= 0 {
		return
	}
	s.Router.IPTables("-I", "FORWARD", "-i", "wan", "-m", "statistic", "--mode", "random",
		"--probability", strconv.FormatFloat(p, 'f', 4, 64), "-j", "DROP")
}

// LossDropped is how many packets the Loss rule dropped so far.
func (s *Site) LossDropped() (int, error) {
	out := s.Router.IPTables("-L", "FORWARD", "-v", "-x", "-n")
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[2] == "DROP" && strings.Contains(line, "statistic") {
			return strconv.Atoi(f[0])
		}
	}
	return 0, fmt.Errorf("netlab: no loss rule on %s", s.Router.Name)
}
