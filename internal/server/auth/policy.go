package auth

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xdg-go/stringprep"
)

// Policy is the password policy, following NIST SP 800-63B rev. 4 and
// OWASP ASVS 5.0: length over composition, a blocklist, no forced rotation
// unless an administrator turns it on.
type Policy struct {
	// MinLength and MaxLength count characters after SASLprep (15, 128).
	// MaxLength must be at least 64 so passphrases and managers fit.
	MinLength int
	MaxLength int

	// MinStrength is the lowest accepted Strength estimate, in bits (50).
	MinStrength float64

	// MaxAge, when set, makes a password older than this refuse login
	// until an administrator sets a new one. Off by default: NIST and
	// OWASP advise against periodic rotation; turning it on logs a warning.
	MaxAge time.Duration

	// History is how many recent passwords (the current one included) may
	// not be set again (5).
	History int
}

func (p *Policy) setDefaults() {
	if p.MinLength == 0 {
		p.MinLength = 15
	}
	if p.MaxLength == 0 {
		p.MaxLength = 128
	}
	if p.MinStrength == 0 {
		p.MinStrength = 50
	}
	if p.History == 0 {
		p.History = 5
	}
}

// Validate reports a policy that cannot work or breaks the standards' floors.
func (p Policy) Validate() error {
	p.setDefaults()
	switch {
	case p.MinLength < 8:
		return fmt.Errorf("minimum password length %d is below 8, NIST SP 800-63B's floor", p.MinLength)
	case p.MaxLength < 64:
		return fmt.Errorf("maximum password length %d is below 64: passphrases must fit", p.MaxLength)
	case p.MaxLength < p.MinLength:
		return errors.New("maximum password length is below the minimum")
	case p.MaxAge < 0 || p.History < 0 || p.MinStrength < 0:
		return errors.New("password age, history and strength must not be negative")
	}
	return nil
}

// ErrPasswordPolicy is wrapped by every *PolicyError.
var ErrPasswordPolicy = errors.New("password refused by policy")

// PolicyError lists every rule a refused password broke, in words meant
// for the person choosing it. It never contains the password.
type PolicyError struct{ Problems []string }

func (e *PolicyError) Error() string {
	return "password refused: " + strings.Join(e.Problems, "; ")
}

// Unwrap makes errors.Is(err, ErrPasswordPolicy) hold.
func (e *PolicyError) Unwrap() error { return ErrPasswordPolicy }

// Check applies the policy's local rules (not history, which needs the
// store) to password, for the account id with display name name.
func (p Policy) Check(password, id, name string) error {
	p.setDefaults()
	prepped, err := stringprep.SASLprep.Prepare(password)
	if err != nil {
		// stringprep's own message quotes the offending rune; do not pass it on.
		return &PolicyError{Problems: []string{"it contains characters that cannot be used in a password (control characters, unassigned code points or mixed text direction); choose another"}}
	}
	var problems []string
	n := utf8.RuneCountInString(prepped)
	if n < p.MinLength {
		problems = append(problems, fmt.Sprintf("it has %d characters, at least %d are needed; a few unrelated words make a long, memorable one", n, p.MinLength))
	}
	if n > p.MaxLength {
		problems = append(problems, fmt.Sprintf("it has %d characters, at most %d are allowed", n, p.MaxLength))
	}
	if Blocklisted(prepped) {
		problems = append(problems, "it is on the list of common or breached passwords; choose something nobody else would")
	}
	low := strings.ToLower(prepped)
	for _, w := range []string{id, name} {
		if w = strings.ToLower(strings.TrimSpace(w)); len(w) >= 3 && strings.Contains(low, w) {
			problems = append(problems, "it contains the account's ID or name")
			break
		}
	}
	if s := Strength(prepped); s < p.MinStrength && n >= p.MinLength {
		problems = append(problems, fmt.Sprintf("it is too predictable (estimated %.0f bits, %.0f needed): avoid repeats, sequences, keyboard rows and common words", s, p.MinStrength))
	}
	if problems != nil {
		return &PolicyError{Problems: problems}
	}
	return nil
}
