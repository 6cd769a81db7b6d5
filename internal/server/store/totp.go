package store

import (
	"context"
	"time"
)

// TOTP is an account's second-factor enrollment. Sealed is the shared
// secret as package auth encrypted it; the store never sees it in the
// clear. Until Confirmed (a first right code) it is not used at login.
type TOTP struct {
	Sealed    []byte
	Confirmed bool
	LastStep  int64 // newest time step a code was accepted for
	Created   time.Time
}

// TOTPs keeps TOTP enrollments and who must use them.
type TOTPs interface {
	// PutTOTP starts (or restarts) id's enrollment, unconfirmed; it fails
	// with ErrNotFound for an unknown account.
	PutTOTP(ctx context.Context, id string, sealed []byte, now time.Time) error
	// TOTP returns id's enrollment, or ErrNotFound.
	TOTP(ctx context.Context, id string) (TOTP, error)
	// UseTOTPStep accepts step for id (and confirms the enrollment) only
	// if it is newer than the last accepted step, atomically, so that a
	// code is good once; false means replayed. ErrNotFound without an
	// enrollment.
	UseTOTPStep(ctx context.Context, id string, step int64) (bool, error)
	// DeleteTOTP removes id's enrollment; ErrNotFound if there is none.
	DeleteTOTP(ctx context.Context, id string) error
	// SetTOTPRequired requires TOTP of an account or group, or stops
	// requiring it; ErrNotFound when s does not exist.
	SetTOTPRequired(ctx context.Context, s Subject, required bool) error
	// TOTPRequired reports whether TOTP is required of the account itself
	// or of any of its groups.
	TOTPRequired(ctx context.Context, id string) (bool, error)
}
