package filexfer

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDefaultDir(t *testing.T) {
	home, conf := t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", conf)
	t.Setenv("XDG_DOWNLOAD_DIR", "")
	for _, tc := range []struct {
		name, file, want string
	}{
		{"no user-dirs", "", filepath.Join(home, "Downloads")},
		{"localized", "# comment\nXDG_DESKTOP_DIR=\"$HOME/Bureau\"\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n", filepath.Join(home, "Téléchargements")},
		{"absolute", "XDG_DOWNLOAD_DIR=\"/srv/dl\"\n", "/srv/dl"},
		{"disabled", "XDG_DOWNLOAD_DIR=\"$HOME/\"\n", filepath.Join(home, "Downloads")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(conf, "user-dirs.dirs")
			os.Remove(path)
			if tc.file != "" {
				check(t, os.WriteFile(path, []byte(tc.file), 0o600))
			}
			got, err := DefaultDir()
			check(t, err)
			if got != tc.want {
				t.Fatalf("DefaultDir() = %q, want %q", got, tc.want)
			}
		})
	}
}
