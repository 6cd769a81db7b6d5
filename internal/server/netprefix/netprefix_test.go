package netprefix

import (
	"net/netip"
	"testing"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"::ffff:192.0.2.7/128":   "192.0.2.7/32",
		"::ffff:192.0.2.0/120":   "192.0.2.0/24",
		"192.0.2.77/24":          "192.0.2.0/24",
		"2001:db8::1/48":         "2001:db8::/48",
		"2001:db8::1/128":        "2001:db8::1/128",
		"::ffff:0.0.0.0/80":      "::/80",
		"::ffff:198.51.100.9/96": "0.0.0.0/0",
	} {
		if got := Normalize(netip.MustParsePrefix(in)).String(); got != want {
			t.Errorf("Normalize(%s) = %s, want %s", in, got, want)
		}
	}
	zoned := netip.PrefixFrom(netip.MustParseAddr("fe80::1%eth0"), 64)
	if got := Normalize(zoned).String(); got != "fe80::/64" {
		t.Errorf("Normalize(%s) = %s, want fe80::/64 (no zone)", zoned, got)
	}
}

// TestSourceKey: IPv4 counts per address, IPv6 per /64 (one subscriber's
// block), and an IPv4-mapped IPv6 address as its IPv4 address.
func TestSourceKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b string
		same bool
	}{
		{"same /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", true},
		{"next /64", "2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"zone dropped", "fe80::1%eth0", "fe80::2", true},
		{"mapped IPv4", "::ffff:192.0.2.7", "192.0.2.7", true},
		{"IPv4 neighbours", "192.0.2.7", "192.0.2.8", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := Source(netip.MustParseAddr(tc.a)), Source(netip.MustParseAddr(tc.b))
			if (ka == kb) != tc.same {
				t.Errorf("Source(%s) = %s, Source(%s) = %s; same = %v, want %v", tc.a, ka, tc.b, kb, ka == kb, tc.same)
			}
		})
	}
}

// TestNetwork: a network is an IPv4 /24 or an IPv6 /48, of the unmapped
// address, without its zone.
func TestNetwork(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                        "192.0.2.0/24",
		"::ffff:192.0.2.7":                 "192.0.2.0/24",
		"2001:db8:1:2:ffff:ffff:ffff:fffe": "2001:db8:1::/48",
		"fe80::1%eth0":                     "fe80::/48",
	} {
		if got := Network(netip.MustParseAddr(in)).String(); got != want {
			t.Errorf("Network(%s) = %s, want %s", in, got, want)
		}
	}
}
