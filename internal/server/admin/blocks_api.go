package admin

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

type (
	blockRequest struct {
		Address   string `json:"address"`
		AgentID   string `json:"agent_id,omitempty"` // the technician's joined event shows it
		Duration  string `json:"duration,omitempty"` // Go duration, "90m", "24h"; empty: the default
		Permanent bool   `json:"permanent,omitempty"`
		Reason    string `json:"reason,omitempty"`
	}
	blockResponse struct {
		ID        int64     `json:"id"`
		Address   string    `json:"address"`
		AgentID   string    `json:"agent_id,omitempty"`
		Reason    string    `json:"reason,omitempty"`
		CreatedBy string    `json:"created_by"`
		ByKind    string    `json:"created_by_kind"`
		Created   time.Time `json:"created"`
		Expires   time.Time `json:"expires,omitzero"`
		Permanent bool      `json:"permanent"`
	}
)

func decodeBlock(b []byte) (blockRequest, error) {
	return decode(b, func(m blockRequest) error {
		if _, err := parseDuration(m.Duration); err != nil {
			return err
		}
		if m.Address == "" && m.AgentID == "" {
			return fmt.Errorf("address or agent_id is required")
		}
		return nil
	})
}

func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("duration %q: use a positive duration such as 90m or 24h", s)
	}
	return d, nil
}

func (a *Admin) blockRoutes(rt *router) {
	rt.handle("GET /v1/blocks", a.apiBlocks)
	rt.handle("POST /v1/blocks", a.apiBlock)
	rt.handle("DELETE /v1/blocks/{id}", a.apiUnblock)
}

func toBlockResponse(b store.CustomerBlock) blockResponse {
	r := blockResponse{ID: b.ID, AgentID: b.AgentID, Reason: b.Reason, CreatedBy: b.CreatedBy, ByKind: string(b.CreatorKind),
		Created: b.Created, Expires: b.Expires, Permanent: b.Expires.IsZero()}
	if b.Prefix.IsValid() {
		r.Address = b.Prefix.String()
		if b.Prefix.IsSingleIP() {
			r.Address = b.Prefix.Addr().String()
		}
	}
	return r
}

func (a *Admin) apiBlocks(r *http.Request, by Caller) (any, error) {
	bs, err := a.CustomerBlocks(r.Context(), by)
	out := []blockResponse{}
	for _, b := range bs {
		out = append(out, toBlockResponse(b))
	}
	return out, err
}

func (a *Admin) apiBlock(r *http.Request, by Caller) (any, error) {
	m, err := decodeBlock(readBody(nil, r))
	if err != nil {
		return nil, err
	}
	d, _ := parseDuration(m.Duration)
	b, err := a.BlockCustomer(r.Context(), by, BlockRequest{Address: m.Address, AgentID: m.AgentID, For: d, Permanent: m.Permanent, Reason: m.Reason})
	if err != nil {
		return nil, err
	}
	return toBlockResponse(b), nil
}

func (a *Admin) apiUnblock(r *http.Request, by Caller) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, invalid("block ID %q: use the number from the block list", r.PathValue("id"))
	}
	return nil, a.UnblockCustomer(r.Context(), by, id)
}
