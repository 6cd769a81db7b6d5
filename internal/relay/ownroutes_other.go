//go:build !linux

package relay

import "net/netip"

// localRoutes is Linux's only: elsewhere the interface list alone says
// which addresses are the host's (ownhost.go).
func localRoutes() ([]netip.Prefix, error) { return nil, nil }
