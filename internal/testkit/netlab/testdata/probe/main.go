// Command probe is the network lab's plumbing check: an echo server that
// answers every UDP datagram and TCP connection with the source address it
// saw, and a client that asks such servers what its address looks like from
// outside — which is how the lab checks what each NAT really does.
//
//	probe echo ADDR              serve UDP and TCP on ADDR
//	probe ask udp|tcp ADDR...    ask each ADDR (UDP: from one socket); print "ADDR SEEN" lines
//	probe wait-tcp ADDR DUR      wait until ADDR accepts TCP connections
//	probe punch LOCAL REMOTE DUR send to REMOTE from LOCAL until a packet comes back; print its source
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 3 {
		fail(fmt.Errorf("usage: probe echo ADDR | ask udp|tcp ADDR... | wait-tcp ADDR DUR"))
	}
	var err error
	switch os.Args[1] {
	case "echo":
		err = echo(os.Args[2])
	case "ask":
		err = ask(os.Args[2], os.Args[3:])
	case "wait-tcp":
		err = waitTCP(os.Args[2], os.Args[3])
	case "punch":
		err = punch(os.Args[2], os.Args[3], os.Args[4])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "probe:", err)
	os.Exit(1)
}

func echo(addr string) error {
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		return err
	}
	fmt.Println("listening", addr)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fmt.Fprintln(c, c.RemoteAddr())
			c.Close()
		}
	}()
	buf := make([]byte, 1500)
	for {
		_, from, err := pc.ReadFrom(buf)
		if err != nil {
			return err
		}
		pc.WriteTo([]byte(from.String()+"\n"), from)
	}
}

func ask(network string, addrs []string) error {
	switch network {
	case "udp":
		pc, err := net.ListenPacket("udp4", ":0")
		if err != nil {
			return err
		}
		defer pc.Close()
		for _, a := range addrs {
			seen, err := askUDP(pc, a)
			if err != nil {
				return fmt.Errorf("ask udp %s: %w", a, err)
			}
			fmt.Println(a, seen)
		}
	case "tcp":
		for _, a := range addrs {
			c, err := net.DialTimeout("tcp4", a, 2*time.Second)
			if err != nil {
				return fmt.Errorf("ask tcp %s: %w", a, err)
			}
			c.SetDeadline(time.Now().Add(2 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if err != nil {
				return fmt.Errorf("ask tcp %s: %w", a, err)
			}
			fmt.Print(a, " ", line)
		}
	default:
		return fmt.Errorf("unknown network %q", network)
	}
	return nil
}

func askUDP(pc net.PacketConn, addr string) (string, error) {
	dst, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 1500)
	for try := 0; try < 3; try++ {
		if _, err := pc.WriteTo([]byte("?"), dst); err != nil {
			return "", err
		}
		pc.SetReadDeadline(time.Now().Add(700 * time.Millisecond))
		n, _, err := pc.ReadFrom(buf)
		if err == nil {
			return string(buf[:n-1]), nil
		}
	}
	return "", fmt.Errorf("no answer")
}

func waitTCP(addr, dur string) error {
	d, err := time.ParseDuration(dur)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp4", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// punch is UDP hole punching as ICE does it: both sides send to each
// other's public address at once until one of them gets through. It keeps
// sending a little after the first answer so that the other side gets one.
func punch(local, remote, dur string) error {
	d, err := time.ParseDuration(dur)
	if err != nil {
		return err
	}
	pc, err := net.ListenPacket("udp4", local)
	if err != nil {
		return err
	}
	defer pc.Close()
	dst, err := net.ResolveUDPAddr("udp4", remote)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(d)
	var from net.Addr
	buf := make([]byte, 1500)
	for stop := deadline; time.Now().Before(stop); {
		pc.WriteTo([]byte("punch"), dst)
		pc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, src, err := pc.ReadFrom(buf); err == nil && from == nil {
			from = src
			stop = time.Now().Add(500 * time.Millisecond)
		}
	}
	if from == nil {
		return fmt.Errorf("nothing from %s within %s", remote, dur)
	}
	fmt.Println(from)
	return nil
}
