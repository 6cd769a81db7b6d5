package auth

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/tandem-remote/tandem/internal/server/store"
)

// The second factor at login. Its code travels in login/finish with the
// password proof, and a wrong code must not be told apart from a wrong
// password: same answer, one failure toward the three tries, one event,
// and the same work. So every finish - whatever the ID, the password or
// the code - reads the enrollment and the requirement, opens one sealed
// secret (the account's, or a dummy sealed at start-up when it has none)
// and computes the codes of all three steps. Only a login whose password
// and code are both right uses the step up (a write), and that login
// succeeds; a right code under a wrong password is not used up.

// dummyTOTPID is the account ID the dummy secret is sealed for: no
// account can have it (validID refuses ""), so the dummy never opens as
// anyone's secret.
const dummyTOTPID = ""

// newDummyTOTP seals a random secret shaped like an enrolled one (20
// bytes, as totp.Generate makes them).
func (s *Service) newDummyTOTP() ([]byte, error) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(randomBytes(20))
	return s.sealTOTP(dummyTOTPID, secret)
}

// factorCheck is the TOTP part of one login.
type factorCheck struct {
	needed bool  // the account must give a code (enrolled, or required of it)
	ok     bool  // the code is right for a step not used yet
	step   int64 // that step, to use up when the login succeeds
}

// passes reports whether the factor lets the login through, before the
// step is used up.
func (f factorCheck) passes() bool { return !f.needed || f.ok }

// secondFactor checks code for id, with the same work for every ID and
// code (see above). It changes nothing.
func (s *Service) secondFactor(ctx context.Context, id, code string, now time.Time) (factorCheck, error) {
	t, errT := s.st.TOTP(ctx, id)
	required, errR := s.st.TOTPRequired(ctx, id)
	for _, err := range []error{errT, errR} {
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return factorCheck{}, fmt.Errorf("second factor: %w", err)
		}
	}
	// An unconfirmed enrollment counts when TOTP is required: an
	// administrator may enroll an account and hand over the URI, and the
	// first login with a right code confirms it.
	enrolled := errT == nil && (t.Confirmed || required)
	sealedFor, sealed, last := dummyTOTPID, s.dummyTOTP, int64(math.MaxInt64) // the dummy never matches
	if enrolled {
		sealedFor, sealed, last = id, t.Sealed, t.LastStep
	}
	secret, err := s.openTOTP(sealedFor, sealed)
	if err != nil {
		// Still needed, never matched: a damaged secret locks the
		// factor, it does not lift it.
		s.cfg.Logger.Error("TOTP secret does not open: reset the account's TOTP", "id", id, "err", err)
		last = math.MaxInt64
	}
	step, ok, err := s.matchTOTP(secret, code, last, now)
	if err != nil {
		return factorCheck{}, fmt.Errorf("second factor: %w", err)
	}
	return factorCheck{needed: enrolled || required, ok: enrolled && ok, step: step}, nil
}

// matchTOTP reports the step around now, after last, whose code is code.
// It computes and compares all three codes, whichever matches.
func (s *Service) matchTOTP(secret, code string, last int64, now time.Time) (step int64, ok bool, err error) {
	now0 := now.Unix() / int64(totpOpts.Period)
	for st := now0 - 1; st <= now0+1; st++ {
		want, err := s.totpCode(secret, time.Unix(st*int64(totpOpts.Period), 0))
		if err != nil {
			return 0, false, fmt.Errorf("totp: %w", err)
		}
		same := subtle.ConstantTimeCompare([]byte(code), []byte(want)) == 1
		if same && st > last && !ok {
			step, ok = st, true
		}
	}
	return step, ok, nil
}
