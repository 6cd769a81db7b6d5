package peer

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs routes pion's scoped loggers to slog, one level lower than pion
// says (pion warns about routine events such as an unreachable STUN server)
// and without its trace level. pion's messages never carry full SDP.
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) emit(level slog.Level, msg string) {
	l.log.Log(context.Background(), level, msg)
}

func (l pionLogger) emitf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		l.emit(level, fmt.Sprintf(format, args...))
	}
}

func (pionLogger) Trace(string)                     {}
func (pionLogger) Tracef(string, ...any)            {}
func (l pionLogger) Debug(msg string)               { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Debugf(format string, a ...any) { l.emitf(slog.LevelDebug, format, a...) }
func (l pionLogger) Info(msg string)                { l.emit(slog.LevelDebug, msg) }
func (l pionLogger) Infof(format string, a ...any)  { l.emitf(slog.LevelDebug, format, a...) }
func (l pionLogger) Warn(msg string)                { l.emit(slog.LevelInfo, msg) }
func (l pionLogger) Warnf(format string, a ...any)  { l.emitf(slog.LevelInfo, format, a...) }
func (l pionLogger) Error(msg string)               { l.emit(slog.LevelWarn, msg) }
func (l pionLogger) Errorf(format string, a ...any) { l.emitf(slog.LevelWarn, format, a...) }
