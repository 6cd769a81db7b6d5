package pionlog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestLevels(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	plain := Factory{Log: log}.NewLogger("ice")
	plain.Warnf("stun %s unreachable", "x")
	plain.Debug("hidden")
	demoted := Factory{Log: log, Demote: true, Key: "scope"}.NewLogger("dtls")
	demoted.Warn("routine")
	demoted.Info("now debug: hidden")
	demoted.Trace("hidden")
	out := buf.String()
	for _, want := range []string{"level=WARN msg=\"stun x unreachable\" pion=ice", "level=INFO msg=routine scope=dtls"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "hidden") {
		t.Errorf("messages below the level were written:\n%s", out)
	}
}
