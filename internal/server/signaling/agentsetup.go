package signaling

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tandem-remote/tandem/internal/wire/stamp"
)

// agentBinary resolves the agent file to offer: -agent-binary, or a file
// named "agent" next to this executable. A named file must be a plain
// (unstamped) agent; with none named and none found, no download is
// offered and the summary says how to offer one.
func (svc *Service) agentBinary() (string, error) {
	return svc.agentOption(svc.opts.AgentBinary, "agent-binary", "agent", AgentPlatform, "go build -o bin/ ./agent")
}

// agentWindows is agentBinary for the Windows agent: -agent-windows, or a
// file named "agent.exe" next to this executable.
func (svc *Service) agentWindows() (string, error) {
	return svc.agentOption(svc.opts.AgentWindows, "agent-windows", "agent.exe", AgentPlatformWindows, "make agent-windows")
}

func (svc *Service) agentOption(name, flag, nextTo, platform, build string) (string, error) {
	if name == "" {
		if exe, err := os.Executable(); err == nil {
			if fi, err := os.Stat(filepath.Join(filepath.Dir(exe), nextTo)); err == nil && fi.Mode().IsRegular() {
				name = filepath.Join(filepath.Dir(exe), nextTo)
			}
		}
	}
	if name == "" {
		svc.summary = append(svc.summary, "Agent download ("+platform+"): none (customers cannot download it; pass -"+flag+" FILE)")
		return "", nil
	}
	fi, err := os.Stat(name)
	if err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("-%s %s: not a readable file (build it with: %s)", flag, name, build)
	}
	if _, err := stamp.Read(name); !errors.Is(err, stamp.ErrNoStamp) {
		return "", fmt.Errorf("-%s %s is a stamped download, not a plain agent: point it at the agent you built", flag, name)
	}
	svc.summary = append(svc.summary, "Agent download: "+name+" (stamped for one session at POST /v1/agent/"+platform+")")
	return name, nil
}

// certPin returns the pin of the certificate tc presents: fixed for a
// certificate file or a self-generated one, the current one for ACME
// (asked for as a Go client would, so the ECDSA certificate the agent will
// see is the one pinned).
func certPin(tc *tls.Config, acmeDomain string) func() ([]byte, error) {
	return func() ([]byte, error) {
		var cert *tls.Certificate
		switch {
		case len(tc.Certificates) > 0:
			cert = &tc.Certificates[0]
		case tc.GetCertificate != nil:
			var err error
			cert, err = tc.GetCertificate(&tls.ClientHelloInfo{ServerName: acmeDomain,
				CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}})
			if err != nil {
				return nil, fmt.Errorf("current certificate: %w", err)
			}
		default:
			return nil, errors.New("no certificate")
		}
		leaf := cert.Leaf
		if leaf == nil {
			if len(cert.Certificate) == 0 {
				return nil, errors.New("empty certificate")
			}
			var err error
			if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
				return nil, err
			}
		}
		return stamp.PinOf(leaf), nil
	}
}
