// Package pionlog routes pion's scoped, leveled loggers (WebRTC, ICE,
// DTLS, TURN) into log/slog, so each Tandem component has one log stream.
package pionlog

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// Trace is where pion's trace level lands: below slog's debug.
const Trace = slog.LevelDebug - 4

// Factory makes pion loggers writing to Log, tagged with their scope under
// Key. Demote lowers every level by one step (warn becomes info, info
// becomes debug): pion warns about routine events such as an unreachable
// STUN server, which would alarm a customer reading the agent's log.
type Factory struct {
	Log    *slog.Logger
	Key    string // attribute for pion's scope; "pion" if empty
	Demote bool
}

// NewLogger implements logging.LoggerFactory.
func (f Factory) NewLogger(scope string) logging.LeveledLogger {
	key := f.Key
	if key == "" {
		key = "pion"
	}
	return leveled{log: f.Log.With(key, scope), demote: f.Demote}
}

// leveled checks Enabled before formatting: pion formats on hot paths
// (every relayed packet logs at debug).
type leveled struct {
	log    *slog.Logger
	demote bool
}

func (l leveled) level(v slog.Level) slog.Level {
	if l.demote && v > Trace {
		return v - 4
	}
	return v
}

func (l leveled) emit(v slog.Level, msg string) {
	l.log.Log(context.Background(), l.level(v), msg)
}

func (l leveled) emitf(v slog.Level, format string, args ...any) {
	if v = l.level(v); l.log.Enabled(context.Background(), v) {
		l.log.Log(context.Background(), v, fmt.Sprintf(format, args...))
	}
}

func (l leveled) Trace(msg string)                  { l.emit(Trace, msg) }
func (l leveled) Tracef(format string, args ...any) { l.emitf(Trace, format, args...) }
func (l leveled) Debug(msg string)                  { l.emit(slog.LevelDebug, msg) }
func (l leveled) Debugf(format string, args ...any) { l.emitf(slog.LevelDebug, format, args...) }
func (l leveled) Info(msg string)                   { l.emit(slog.LevelInfo, msg) }
func (l leveled) Infof(format string, args ...any)  { l.emitf(slog.LevelInfo, format, args...) }
func (l leveled) Warn(msg string)                   { l.emit(slog.LevelWarn, msg) }
func (l leveled) Warnf(format string, args ...any)  { l.emitf(slog.LevelWarn, format, args...) }
func (l leveled) Error(msg string)                  { l.emit(slog.LevelError, msg) }
func (l leveled) Errorf(format string, args ...any) { l.emitf(slog.LevelError, format, args...) }
