// Command proxy is the network lab's HTTP proxy: the one host a locked-down
// network lets its LAN reach. It answers CONNECT host:port by opening a TCP
// connection there and splicing the two together, refuses every other
// method, and prints one JSON event per tunnel so that the lab can check
// who went where through it.
//
//	proxy ADDR    serve on ADDR
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fail(fmt.Errorf("usage: proxy ADDR"))
	}
	ln, err := net.Listen("tcp4", os.Args[1])
	if err != nil {
		fail(err)
	}
	emit(map[string]any{"event": "listening", "addr": ln.Addr().String()})
	for {
		c, err := ln.Accept()
		if err != nil {
			fail(err)
		}
		go serve(c)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "proxy:", err)
	os.Exit(1)
}

var outMu sync.Mutex

// emit prints one JSON event line.
func emit(e map[string]any) {
	b, _ := json.Marshal(e)
	outMu.Lock()
	defer outMu.Unlock()
	fmt.Println(string(b))
}

func serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	ev := map[string]any{"event": "connect", "from": c.RemoteAddr().String(), "target": req.Host, "method": req.Method}
	if req.Method != http.MethodConnect {
		ev["status"] = http.StatusMethodNotAllowed
		emit(ev)
		fmt.Fprint(c, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
		return
	}
	up, err := net.DialTimeout("tcp4", req.Host, 5*time.Second)
	if err != nil {
		ev["status"], ev["error"] = http.StatusBadGateway, err.Error()
		emit(ev)
		fmt.Fprint(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
		return
	}
	defer up.Close()
	ev["status"] = http.StatusOK
	emit(ev)
	_ = c.SetDeadline(time.Time{})
	fmt.Fprint(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	go func() {
		_, _ = io.Copy(up, br)
		up.Close()
	}()
	_, _ = io.Copy(c, up)
}
