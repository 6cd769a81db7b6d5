package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

// SetRelayPort assigns account id the one relay port its sessions are
// given (0: none, every configured URL as it is). The port must be one a
// relay listens on; the server only rewrites the TURN URLs it hands out.
func (a *Admin) SetRelayPort(ctx context.Context, id string, port int) error {
	if port < 0 || port > 65535 {
		return invalid("relay port %d: use 1-65535, or none", port)
	}
	if err := a.st.SetRelayPort(ctx, id, port); err != nil {
		return err
	}
	shown := "none"
	if port != 0 {
		shown = strconv.Itoa(port)
	}
	return a.record(ctx, "admin.relay-port-set", id, map[string]string{"port": shown})
}

// ParseRelayPort reads a port number or "none" (0).
func ParseRelayPort(s string) (int, error) {
	if s == "none" {
		return 0, nil
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, invalid("relay port %q: use 1-65535, or none", s)
	}
	return p, nil
}

type relayPortRequest struct {
	Port *int `json:"port"` // 0: none
}

func decodeRelayPort(b []byte) (relayPortRequest, error) {
	return decode(b, func(m relayPortRequest) error {
		if m.Port == nil || *m.Port < 0 || *m.Port > 65535 {
			return errors.New("port: use 1-65535, or 0 for none")
		}
		return nil
	})
}

func (a *Admin) apiRelayPort(r *http.Request) (any, error) {
	m, err := decodeRelayPort(readBody(nil, r))
	if err != nil {
		return nil, err
	}
	return nil, a.SetRelayPort(r.Context(), r.PathValue("id"), *m.Port)
}
