package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

type (
	apiKeyRequest struct {
		Name      string   `json:"name"`
		Scopes    []string `json:"scopes"`
		ExpiresIn string   `json:"expires_in,omitempty"` // Go duration; empty: 30 days
	}
	apiKeyResponse struct {
		ID      string    `json:"id"`
		Key     string    `json:"key,omitempty"` // only in the answer that creates it
		Owner   string    `json:"owner"`
		Name    string    `json:"name,omitempty"`
		Scopes  []string  `json:"scopes"`
		Created time.Time `json:"created"`
		Expires time.Time `json:"expires"`
		Revoked time.Time `json:"revoked,omitzero"`
	}
)

func decodeAPIKey(b []byte) (apiKeyRequest, error) {
	return decode(b, func(m apiKeyRequest) error {
		if len(m.Scopes) == 0 || len(m.Scopes) > 8 {
			return errors.New("scopes: name 1-8 scopes")
		}
		if _, err := parseDuration(m.ExpiresIn); err != nil {
			return err
		}
		return required("name", m.Name)
	})
}

func toKeyResponse(k store.APIKey) apiKeyResponse {
	return apiKeyResponse{ID: k.ID, Owner: k.AccountID, Name: k.Name, Scopes: k.Scopes, Created: k.Created, Expires: k.Expires, Revoked: k.Revoked}
}

func (a *Admin) keyRoutes(rt *router) {
	rt.handle("GET /v1/keys", func(r *http.Request, by Caller) (any, error) {
		ks, err := a.APIKeys(r.Context(), by, r.URL.Query().Get("all") == "true")
		out := []apiKeyResponse{}
		for _, k := range ks {
			out = append(out, toKeyResponse(k))
		}
		return out, err
	})
	rt.handle("POST /v1/keys", func(r *http.Request, by Caller) (any, error) {
		m, err := decodeAPIKey(readBody(nil, r))
		if err != nil {
			return nil, err
		}
		ttl, _ := parseDuration(m.ExpiresIn)
		secret, k, err := a.CreateAPIKey(r.Context(), by, m.Name, m.Scopes, ttl)
		if err != nil {
			return nil, err
		}
		resp := toKeyResponse(k)
		resp.Key = secret
		return resp, nil
	})
	rt.handle("DELETE /v1/keys/{id}", func(r *http.Request, by Caller) (any, error) {
		return nil, a.RevokeAPIKey(r.Context(), by, r.PathValue("id"))
	})
}
