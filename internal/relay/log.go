package relay

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// slogFactory hands pion/turn loggers that write to the injected slog
// logger, so the relay has one log stream.
type slogFactory struct{ log *slog.Logger }

func (f slogFactory) NewLogger(scope string) logging.LeveledLogger {
	return slogLeveled{log: f.log.With("scope", scope)}
}

// slogLeveled adapts slog to pion's LeveledLogger. pion formats with
// Printf-style calls on hot paths (every relayed packet logs at debug), so
// each method checks Enabled before it formats anything.
type slogLeveled struct{ log *slog.Logger }

func (l slogLeveled) emit(level slog.Level, msg string) {
	l.log.Log(context.Background(), level, msg)
}

func (l slogLeveled) emitf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

// pion's trace level maps below slog's debug.
const levelTrace = slog.LevelDebug - 4

func (l slogLeveled) Trace(msg string)                  { l.emit(levelTrace, msg) }
func (l slogLeveled) Tracef(format string, args ...any) { l.emitf(levelTrace, format, args...) }
func (l slogLeveled) Debug(msg string)                  { l.emit(slog.LevelDebug, msg) }
func (l slogLeveled) Debugf(format string, args ...any) { l.emitf(slog.LevelDebug, format, args...) }
func (l slogLeveled) Info(msg string)                   { l.emit(slog.LevelInfo, msg) }
func (l slogLeveled) Infof(format string, args ...any)  { l.emitf(slog.LevelInfo, format, args...) }
func (l slogLeveled) Warn(msg string)                   { l.emit(slog.LevelWarn, msg) }
func (l slogLeveled) Warnf(format string, args ...any)  { l.emitf(slog.LevelWarn, format, args...) }
func (l slogLeveled) Error(msg string)                  { l.emit(slog.LevelError, msg) }
func (l slogLeveled) Errorf(format string, args ...any) { l.emitf(slog.LevelError, format, args...) }
