package admin

import (
	"context"
	"fmt"
)

// totp runs `totp enroll|reset ID` and `totp require|unrequire
// account|group NAME`.
func (c CLI) totp(ctx context.Context, a *Admin, verb string, args []string) error {
	switch verb {
	case "enroll":
		if err := need(args, 1, "totp enroll ID"); err != nil {
			return err
		}
		uri, err := a.EnrollTOTP(ctx, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(c.Stderr, "hand this to %s once (QR code or text); their first login with a code confirms it:\n", args[0])
		fmt.Fprintln(c.Stdout, uri)
		return nil
	case "reset":
		if err := need(args, 1, "totp reset ID"); err != nil {
			return err
		}
		return done(c.Stdout, a.ResetTOTP(ctx, args[0]), "TOTP of %s removed", args[0])
	case "require", "unrequire":
		if err := need(args, 2, "totp "+verb+" account|group NAME"); err != nil {
			return err
		}
		sub, err := ParseSubject(args[0], args[1])
		if err != nil {
			return err
		}
		return done(c.Stdout, a.RequireTOTP(ctx, sub, verb == "require"), "TOTP %sd for %s %s", verb, args[0], args[1])
	}
	return usageError(fmt.Sprintf("unknown totp command %q", verb))
}
