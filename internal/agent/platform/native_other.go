//go:build !linux && !windows

package platform

import "github.com/tandem-remote/tandem/internal/agent/selfremove"

// Native returns this system's platform: none yet (nothing is shared)
// until its backend exists; the agent still joins and says so.
func Native(cfg Config) Platform { return None{Remover: cfg.Remover} }

// Guardian runs this process as the self-removal guardian when it was
// started as one; it has nothing outside the file system to undo here.
func Guardian() { selfremove.RunGuardian(nil) }
