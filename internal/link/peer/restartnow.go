package peer

// RestartICE sends an ICE-restart offer now, on the Offerer; the Answerer
// has nothing to do (it answers the offer). The session calls it when its
// signaling connection comes back after a break, or the other side's
// does: an offer, answer or candidate sent meanwhile was dropped (the
// signaling service keeps nothing for a side that is away), and a restart
// sends everything again over the new connections. Until the new pair is
// chosen the link waits, its data channels retransmitting.
func (l *Link) RestartICE() {
	if l.cfg.Role != Offerer {
		return
	}
	l.restart()
}
