package filexfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeMounts makes onDemandMount read lines as the mount table.
func fakeMounts(t *testing.T, lines ...string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mountinfo")
	check(t, os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	old := mountInfoPath
	mountInfoPath = p
	t.Cleanup(func() { mountInfoPath = old })
}

func TestParseMountInfo(t *testing.T) {
	for _, tc := range []struct{ line, point, fstype string }{
		{"36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue", "/mnt/parent", "ext3"},
		{"40 1 0:33 / /net rw,relatime shared:20 - autofs /etc/auto.net rw,fd=7", "/net", "autofs"},
		{`41 1 0:34 / /mnt/my\040share rw - nfs4 203.0.113.7:/x rw`, "/mnt/my share", "nfs4"},
		{`42 1 0:35 / /a\134b rw - tmpfs tmpfs rw`, `/a\b`, "tmpfs"},
		{"43 1 0:36 / /no/optional rw - cifs //203.0.113.7/s rw", "/no/optional", "cifs"},
	} {
		point, fstype, ok := parseMountInfo(tc.line)
		if !ok || point != tc.point || fstype != tc.fstype {
			t.Errorf("parseMountInfo(%q) = %q, %q, %v; want %q, %q", tc.line, point, fstype, ok, tc.point, tc.fstype)
		}
	}
	if _, _, ok := parseMountInfo("garbage"); ok {
		t.Error("parsed a line with no separator")
	}
}

// TestRequestUnderAutomount: a request for a path under an autofs mount
// point ("/net/HOST/...", which mounts NFS from HOST when looked up) is
// refused before anything is looked at and before the customer is asked;
// a share already mounted below it is asked about as usual.
func TestRequestUnderAutomount(t *testing.T) {
	checkLeaks(t)
	ctx := testContext(t, 20*time.Second)
	c := newCustomer(t)
	net := filepath.Join(c.home, "net")
	mounted := filepath.Join(net, "files")
	check(t, os.MkdirAll(mounted, 0o700))
	check(t, os.WriteFile(filepath.Join(mounted, "a.pdf"), c.repData, 0o600))
	fakeMounts(t,
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
		"40 22 0:33 / "+net+" rw,relatime shared:20 - autofs /etc/auto.net rw,fd=7,direct",
		"41 40 0:34 / "+mounted+" rw,relatime shared:21 - nfs4 203.0.113.7:/files rw")
	ca, cb := memPipe()
	defer ca.close()
	tech := start(t, ca, Config{}, nil)
	cust := &asker{answer: true}
	start(t, cb, Config{Home: c.home}, cust.decide)

	_, err := tech.ep.Request(ctx, "net/203.0.113.9/export/x.pdf")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "mounts network shares on demand") {
		t.Fatalf("error %v, want ErrUnavailable about on-demand network shares", err)
	}
	if asked := cust.take(); len(asked) != 0 {
		t.Fatalf("the customer was asked %+v", asked)
	}
	res, err := tech.ep.Request(ctx, "net/files/a.pdf")
	check(t, err)
	sameContent(t, res.Path, c.repData)
	if asked := cust.take(); len(asked) != 1 {
		t.Fatalf("asked %d times about the mounted share, want once", len(asked))
	}
}
