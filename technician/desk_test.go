package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestDeskFlagsNeedDesk(t *testing.T) {
	for _, args := range [][]string{{"-pick", "first"}, {"-desk-say", "hi"}, {"-invite"}, {"-desk", "-invite"}} {
		var stderr bytes.Buffer
		full := append([]string{"-server", "https://localhost:1", "-user", "u"}, args...)
		if code := run(full, &bytes.Buffer{}, &stderr); code != 2 || !strings.Contains(stderr.String(), "-") {
			t.Errorf("%q: status %d, %s", args, code, stderr.String())
		}
	}
}
