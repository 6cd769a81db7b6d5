package audit

import (
	"context"

	"github.com/tandem-remote/tandem/internal/server/auth"
)

// AuthHook returns the function to pass as auth.New's onEvent: every
// authentication event becomes an entry "auth.<event>". Login events name
// the account as actor and subject; administrative ones (unlock, password
// set, disable, enable) take the actor from ctx (see WithActor).
func (l *Log) AuthHook() func(context.Context, auth.Event) {
	return func(ctx context.Context, ev auth.Event) {
		e := Entry{Kind: "auth." + string(ev.Kind), Subject: ev.AccountID, Time: ev.Time}
		if ev.Source.IsValid() {
			e.Source = ev.Source.String()
		}
		switch ev.Kind {
		case auth.EventLoginSucceeded, auth.EventLoginFailed, auth.EventLoginBlocked, auth.EventIDBlocked,
			auth.EventIPRefused, auth.EventThrottled, auth.EventLogout, auth.EventTOTPFailed:
			e.Actor = ev.AccountID
		}
		l.Note(ctx, e)
	}
}
