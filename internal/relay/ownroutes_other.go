//go:build !linux

package relay

import (
	"errors"
	"net/netip"
)

// localRoutes is Linux's only: elsewhere the interface list alone says
// which addresses are the host's (ownhost.go).
func localRoutes() ([]netip.Prefix, error) { return nil, nil }

// ownWatch has no notifications to offer elsewhere: the periodic refresh
// alone keeps the set current.
type ownWatch struct{}

func openOwnWatch() (*ownWatch, error) { return nil, errors.ErrUnsupported }

func (*ownWatch) wait() error { return errors.ErrUnsupported }

func (*ownWatch) close() error { return nil }
