// Command benchstock is stock pion/turn v5 as a TURN server, the baseline
// scripts/bench-relay.sh measures Tandem's relay against.
//
// It is pion's own example server with nothing tuned: default logger,
// default GOMAXPROCS, default permission handler, pion's TURN REST
// long-term credential handler (the same shared-secret scheme Tandem and
// coturn use), and a relay port range on one IP. It is a benchmark tool,
// not a relay to deploy: it relays to any peer.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/pion/turn/v5"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchstock:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		addr       = flag.String("udp", "127.0.0.1:3480", "listen `ADDR` for TURN over UDP")
		relayIP    = flag.String("relay-ip", "127.0.0.1", "`IP` relayed ports bind to and advertise")
		minPort    = flag.Uint("min-port", 60000, "lowest relayed `PORT`")
		maxPort    = flag.Uint("max-port", 64999, "highest relayed `PORT`")
		secretFile = flag.String("secret-file", "", "`FILE` holding the TURN REST shared secret")
		realm      = flag.String("realm", "tandem", "TURN realm `NAME`")
	)
	flag.Parse()
	secret, err := os.ReadFile(*secretFile)
	if err != nil {
		return fmt.Errorf("read secret: %w", err)
	}
	pc, err := net.ListenPacket("udp4", *addr)
	if err != nil {
		return err
	}
	s, err := turn.NewServer(turn.ServerConfig{
		Realm:       *realm,
		AuthHandler: turn.LongTermTURNRESTAuthHandler(strings.TrimSpace(string(secret)), nil),
		PacketConnConfigs: []turn.PacketConnConfig{{
			PacketConn: pc,
			RelayAddressGenerator: &turn.RelayAddressGeneratorPortRange{
				RelayAddress: net.ParseIP(*relayIP),
				Address:      *relayIP,
				MinPort:      uint16(*minPort),
				MaxPort:      uint16(*maxPort),
			},
		}},
	})
	if err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return s.Close()
}
