// Package netlab builds real network topologies out of Linux network
// namespaces, veth pairs, bridges and iptables NAT, and runs Tandem's real
// binaries inside them. It is the second tier of Tandem's network tests: the
// first tier (pion vnet, in-process) models NAT behaviour; this one proves it
// on the kernel's own NAT.
//
// A Lab is one topology owned by one test:
//
//	          wan namespace: bridge "br", 203.0.113.0/24 ("the internet")
//	    ┌──────────────┬───────────────┬────────────────┬──────────────┐
//	sig 203.0.113.2  relay 203.0.113.3  router A .10      router B .20
//	                                      │ NAT             │ NAT
//	                                 LAN 192.0.2.0/26   LAN 198.51.100.0/26
//	                                 hosts .2, .3 …     hosts .2, .3 …
//
// Routers NAT their LAN behind their public address: Cone uses MASQUERADE
// (Linux keeps the source port, so the mapping is endpoint-independent),
// Symmetric uses SNAT --random-fully (a new random port per destination),
// UDPBlocked adds MASQUERADE plus a FORWARD filter that drops all UDP and
// lets through only TCP to the ports the test names, and ProxyOnly is the
// same filter naming only an HTTP CONNECT proxy on the wan (203.0.113.4,
// testdata/proxy), which the hosts behind it are told to use.
//
// Deploy runs the signaling server and a standalone relay (Tandem's or
// coturn) side by side; DeployEmbedded runs the signaling server with its
// embedded relay, as a single-machine install does. The routers drop
// unsolicited packets addressed to themselves, as home routers do: a Linux
// router that accepted them would keep a conntrack entry for a peer's early
// probe, and MASQUERADE would then move its LAN host to another public port
// for that peer, so hole punching between two such routers succeeds only
// when both sides' first packets cross in flight.
//
// Site.Loss makes a router drop a share of what it forwards into its LAN at
// random (iptables' statistic match; the kernel has no netem), so loss on
// both sites is that loss each way on any path; Site.DelayedHost hangs a
// host off its router through a delaying TUN pair, as DelayedPath does.
// The video tests run the agent on a private Xvfb with an xterm printing
// the time every 50 ms and click its Allow with xdotool.
//
// Only the documentation ranges 192.0.2.0/24, 198.51.100.0/24 and
// 203.0.113.0/24 are used, nothing is routed out of the namespaces, and every
// namespace and process a Lab creates is removed by t.Cleanup. Namespaces are
// named with a per-process, per-lab prefix so concurrent runs do not collide.
// Everything needs root plus the ip and iptables commands; Require skips the
// test otherwise.
package netlab
