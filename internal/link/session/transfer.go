package session

import (
	"encoding/hex"
	"errors"

	"github.com/tandem-remote/tandem/internal/link/filexfer"
)

// FilesConfig is where a side's incoming files land.
type FilesConfig struct {
	// Dir receives incoming files; "" means the user's Downloads folder.
	Dir string
	// MaxSize caps an incoming file; 0 means filexfer's default (4 GiB).
	MaxSize int64
}

// TransferError words a transfer's failure for the technician.
func TransferError(err error) string {
	switch {
	case errors.Is(err, filexfer.ErrRefused):
		return "the customer refused it"
	case errors.Is(err, filexfer.ErrLinkLost):
		return "the link was lost (offer it again to resume)"
	}
	return err.Error()
}

func sha(sum [32]byte) string { return hex.EncodeToString(sum[:]) }
