package filexfer

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir returns the user's download folder: $XDG_DOWNLOAD_DIR, else
// the one named in the XDG user-dirs file (localized: "Téléchargements" on a
// French desktop), else Downloads in the home folder.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_DOWNLOAD_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the downloads folder: %w; choose a folder", err)
	}
	if d := UserDir(home, "XDG_DOWNLOAD_DIR"); d != "" {
		return d, nil
	}
	return filepath.Join(home, "Downloads"), nil
}

// UserDir reads one folder (key, e.g. XDG_DOWNLOAD_DIR) from the XDG
// user-dirs file; "" if it is not there or names the home folder itself
// (disabled). Lines look like: XDG_DOWNLOAD_DIR="$HOME/Downloads".
func UserDir(home, key string) string {
	conf := os.Getenv("XDG_CONFIG_HOME")
	if conf == "" {
		conf = filepath.Join(home, ".config")
	}
	f, err := os.Open(filepath.Join(conf, "user-dirs.dirs"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), key+"=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		if rest, ok := strings.CutPrefix(v, "$HOME"); ok {
			v = home + rest
		}
		if !filepath.IsAbs(v) || filepath.Clean(v) == filepath.Clean(home) {
			return "" // xdg-user-dirs writes $HOME itself for "disabled"
		}
		return filepath.Clean(v)
	}
	return ""
}
