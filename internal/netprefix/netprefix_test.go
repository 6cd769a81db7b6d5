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
