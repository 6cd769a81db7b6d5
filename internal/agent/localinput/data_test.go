package localinput

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"image"
	"testing"
)

func TestParseDisplay(t *testing.T) {
	for _, tc := range []struct {
		display, network, addr, host, disp string
	}{
		{":0", "unix", "/tmp/.X11-unix/X0", "", "0"},
		{":12.1", "unix", "/tmp/.X11-unix/X12", "", "12"},
		{"unix:3", "unix", "/tmp/.X11-unix/X3", "", "3"},
		{"localhost:10.0", "tcp", "localhost:6010", "localhost", "10"},
		{"/tmp/launch-x/org.xquartz:0", "unix", "/tmp/launch-x/org.xquartz:0", "", "0"},
	} {
		network, addr, host, disp, err := parseDisplay(tc.display)
		if err != nil || network != tc.network || addr != tc.addr || host != tc.host || disp != tc.disp {
			t.Errorf("parseDisplay(%q) = %q %q %q %q %v, want %q %q %q %q", tc.display,
				network, addr, host, disp, err, tc.network, tc.addr, tc.host, tc.disp)
		}
	}
	for _, bad := range []string{"nocolon", ":", ":x", "host:-1"} {
		if _, _, _, _, err := parseDisplay(bad); err == nil {
			t.Errorf("parseDisplay(%q) accepted a bad name", bad)
		}
	}
}

// xauthEntry encodes one Xauthority record.
func xauthEntry(family uint16, addr, disp, name string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, family)
	for _, f := range [][]byte{[]byte(addr), []byte(disp), []byte(name), data} {
		binary.Write(&b, binary.BigEndian, uint16(len(f)))
		b.Write(f)
	}
	return b.Bytes()
}

func TestFindCookie(t *testing.T) {
	cookie := bytes.Repeat([]byte{0xab}, 16)
	other := bytes.Repeat([]byte{0xcd}, 16)
	file := bytes.Join([][]byte{
		xauthEntry(0, "\x7f\x00\x00\x01", "0", "MIT-MAGIC-COOKIE-1", other), // internet family: not local
		xauthEntry(familyLocal, "otherhost", "0", "MIT-MAGIC-COOKIE-1", other),
		xauthEntry(familyLocal, "box", "1", "MIT-MAGIC-COOKIE-1", other),
		xauthEntry(familyLocal, "box", "0", "MIT-MAGIC-COOKIE-1", cookie),
	}, nil)
	for _, tc := range []struct {
		name, host, disp string
		in               []byte
		want             []byte
	}{
		{"this host and display", "box", "0", file, cookie},
		{"other display", "box", "1", file, other},
		{"no entry", "box", "7", file, nil},
		{"truncated file", "box", "0", file[:len(file)-3], nil},
		{"wildcard", "any", "5", xauthEntry(familyWild, "", "", "MIT-MAGIC-COOKIE-1", cookie), cookie},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := findCookie(bytes.NewReader(tc.in), tc.host, tc.disp)
			if !bytes.Equal(got, tc.want) {
				t.Errorf("cookie %x, want %x", got, tc.want)
			}
		})
	}
}

// reply encodes a RECORD EnableContext reply carrying data.
func reply(category byte, data []byte) []byte {
	head := make([]byte, 32)
	head[0], head[1] = 1, category
	binary.LittleEndian.PutUint32(head[4:], uint32(len(data)/4))
	return append(head, data...)
}

// deviceEvent encodes a core device event as RECORD delivers it.
func deviceEvent(typ, detail byte, x, y int16) []byte {
	b := make([]byte, 32)
	b[0], b[1] = typ, detail
	binary.LittleEndian.PutUint16(b[20:], uint16(x))
	binary.LittleEndian.PutUint16(b[22:], uint16(y))
	return b
}

func TestReadReplies(t *testing.T) {
	events := append(deviceEvent(2, 38, 0, 0), deviceEvent(6, 0, 100, -3)...)
	stream := bytes.Join([][]byte{
		reply(4, nil),            // start of data
		deviceEvent(12, 0, 0, 0), // a stray event is skipped
		reply(0, events),
		reply(5, nil), // end of data
	}, nil)
	d := &dataConn{r: bufio.NewReader(bytes.NewReader(stream))}
	var got []event
	for {
		category, data, err := d.next(nil)
		if err != nil {
			t.Fatalf("next: %v", err)
		}
		if category == categoryEndOfData {
			break
		}
		for ; category == categoryFromServer && len(data) >= 32; data = data[32:] {
			if ev, ok := parseEvent(data); ok {
				got = append(got, ev)
			}
		}
	}
	want := []event{{kind: KeyDown, detail: 38}, {kind: Motion, at: image.Pt(100, -3)}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("events %+v, want %+v", got, want)
	}
}

func FuzzReadReplies(f *testing.F) {
	f.Add(reply(0, deviceEvent(4, 1, 5, 5)))
	f.Add([]byte{0, 3, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := &dataConn{r: bufio.NewReader(bytes.NewReader(b))}
		for range 100 {
			_, data, err := d.next(nil)
			if err != nil {
				return
			}
			for ; len(data) >= 32; data = data[32:] {
				parseEvent(data)
			}
		}
	})
}

func FuzzFindCookie(f *testing.F) {
	f.Add(xauthEntry(familyLocal, "box", "0", "MIT-MAGIC-COOKIE-1", make([]byte, 16)))
	f.Fuzz(func(t *testing.T, b []byte) {
		findCookie(bytes.NewReader(b), "box", "0")
	})
}
