package relay

import (
	"net"
	"net/netip"
	"testing"
)

func TestPeerPolicy(t *testing.T) {
	allowLoop := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	allowNAT64 := []netip.Prefix{netip.MustParsePrefix("64:ff9b::/96")}
	tests := []struct {
		name   string
		ip     string
		allow  []netip.Prefix
		ok     bool
		reason string
	}{
		{"public v4", "8.8.8.8", nil, true, ""},
		{"public v6", "2606:4700::1111", nil, true, ""},
		{"loopback", "127.0.0.1", nil, false, "loopback"},
		{"loopback /8", "127.255.0.9", nil, false, "loopback"},
		{"this network", "0.0.0.0", nil, false, "unspecified"},
		{"this network /8", "0.1.2.3", nil, false, "unspecified"},
		{"v6 unspecified", "::", nil, false, "unspecified"},
		{"v6 loopback", "::1", nil, false, "loopback"},
		{"private 10", "10.0.0.1", nil, false, "private"},
		{"private 172.16", "172.31.255.255", nil, false, "private"},
		{"just outside 172.16/12", "172.32.0.1", nil, true, ""},
		{"private 192.168", "192.168.1.1", nil, false, "private"},
		{"ula", "fd00::2", nil, false, "private"},
		{"shared cgnat", "100.64.0.1", nil, false, "shared"},
		{"link-local metadata", "169.254.169.254", nil, false, "link-local"},
		{"v6 link-local", "fe80::1", nil, false, "link-local"},
		{"multicast", "224.0.0.1", nil, false, "multicast"},
		{"v6 multicast", "ff02::1", nil, false, "multicast"},
		{"reserved 240/4", "240.0.0.1", nil, false, "reserved"},
		{"broadcast", "255.255.255.255", nil, false, "reserved"},
		{"ietf 192.0.0/24", "192.0.0.8", nil, false, "reserved"},
		{"doc 192.0.2", "192.0.2.10", nil, false, "documentation"},
		{"doc 198.51.100", "198.51.100.7", nil, false, "documentation"},
		{"doc 203.0.113", "203.0.113.1", nil, false, "documentation"},
		{"doc 2001:db8", "2001:db8::1", nil, false, "documentation"},
		{"benchmarking", "198.19.0.1", nil, false, "benchmarking"},
		{"mapped loopback", "::ffff:127.0.0.1", nil, false, "loopback"},
		{"mapped private", "::ffff:10.1.2.3", nil, false, "private"},
		{"mapped public", "::ffff:8.8.8.8", nil, true, ""},
		{"v4-compatible loopback", "::127.0.0.1", nil, false, "reserved"},
		{"nat64 private", "64:ff9b::a00:1", nil, false, "nat64"},
		{"nat64 public", "64:ff9b::808:808", nil, false, "nat64"},
		{"nat64 local-use", "64:ff9b:1::1", nil, false, "nat64"},
		{"6to4 of loopback", "2002:7f00:1::1", nil, false, "6to4-loopback"},
		{"6to4 of public", "2002:808:808::1", nil, true, ""},
		{"teredo and ietf", "2001::1", nil, false, "reserved"},
		{"discard-only", "100::1", nil, false, "reserved"},
		{"outside 2000::/3", "4000::1", nil, false, "reserved"},
		{"allowed loopback", "127.0.0.1", allowLoop, true, ""},
		{"allowed loopback, mapped", "::ffff:127.0.0.1", allowLoop, true, ""},
		{"allow is exact", "127.0.0.2", allowLoop, false, "loopback"},
		{"allow covers nat64, public inside", "64:ff9b::808:808", allowNAT64, true, ""},
		{"allow covers nat64, private inside", "64:ff9b::a00:1", allowNAT64, false, "private"},
		{"allow covers nat64, loopback inside", "64:ff9b::7f00:1", allowNAT64, false, "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := net.ParseIP(tt.ip)
			if ip == nil {
				t.Fatalf("bad test IP %q", tt.ip)
			}
			ok, reason := peerPolicy{allow: tt.allow}.permit(ip)
			if ok != tt.ok || reason != tt.reason {
				t.Errorf("permit(%s) = %v %q, want %v %q", tt.ip, ok, reason, tt.ok, tt.reason)
			}
			// The 4-byte form of an IPv4 address must get the same answer.
			if v4 := ip.To4(); v4 != nil {
				if ok4, _ := (peerPolicy{allow: tt.allow}).permit(v4); ok4 != tt.ok {
					t.Errorf("permit(4-byte %s) = %v, want %v", tt.ip, ok4, tt.ok)
				}
			}
		})
	}
	if ok, _ := (peerPolicy{}).permit(net.IP{1, 2, 3}); ok {
		t.Error("malformed IP permitted")
	}
}

func TestEmbeddedV4(t *testing.T) {
	for in, want := range map[string]string{
		"64:ff9b::a00:1":        "10.0.0.1",
		"64:ff9b:1:a00:0:100::": "10.0.0.1",
		"2002:c000:201::":       "192.0.2.1",
	} {
		got, ok := embeddedV4(netip.MustParseAddr(in))
		if !ok || got.String() != want {
			t.Errorf("embeddedV4(%s) = %v %v, want %s", in, got, ok, want)
		}
	}
}
