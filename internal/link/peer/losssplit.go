package peer

import (
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// lossSplit tells the path's own loss (a noisy radio link) from loss the
// send rate causes (a policer's empty bucket, a full queue), and finds a
// policed path by it: then the link paces video exactly at the split's
// target and holds retransmissions to a budget (policed mode, see
// pacedVideoOnly); otherwise it changes nothing.
//
// The encoder follows GCC everywhere. GCC's loss controller takes random
// loss for congestion (at 10-20 % random loss its target decays toward
// the floor), and that is, measured in the lab, what the picture wants
// under heavy loss: few packets a frame to repair. Its pacer is what
// fails a policed path (a token bucket with next to no queue, as throttled
// mobile plans have; loss is the only sign it is full): pion's leaky
// bucket sends at least a packet each 5 ms tick, about 1.8 Mbit/s, and
// its NACK responder resends at once, so a 1 Mbit/s policer kept dropping
// and the picture froze for good.
//
// The split is by what came before each packet. A lead packet is one that
// found the pacer's queue empty and left after the pacer was idle a while
// (leadGap: one packet's time at the target), as the first packet of most
// screen frames does (a backlogged leaky-bucket pacer sends a packet a
// tick, 5 ms apart: gaps alone made every packet a lead): a policer's
// bucket or a queue had time to refill or drain before it, so a lead is
// lost only to the path's own loss, while the packets behind it lose that
// and what the rate causes. From the transport-wide feedback the split
// keeps the loss of leads and of all packets, and runs GCC's rules on the
// excess of the second over the first: down by half of it over 10 %, up
// 5 % under 2 % (each at most every splitStep), never above GCC's
// delay-based estimate. A decrease whose excess over the last second is
// beyond chance, or whose loss is a collapse, turns policed mode on (see
// policedWindow).
type lossSplit struct {
	mu          sync.Mutex
	sent        [splitHistory]splitPacket // by transport-wide sequence number
	lastSend    time.Time
	reports     []splitReport // reported packets, oldest first
	target      int           // 0 before the first update
	up, down    time.Time
	sure        time.Time // the last decrease with leads to tell the loss apart
	policedOn   bool
	policedAt   time.Time // the last decrease in policed mode, or that turned it on
	policedRate int       // the target that lost at that decrease
	wide        float64   // loss of the packets reported within policedWindow, and how many
	wideN       int
	wideNoise   float64 // policedSigmas standard errors of wide less lead
	wasPoliced  bool    // as the last update saw it, for the log
	all         float64 // the last update's loss of all packets and of leads
	lead        float64
	leads       int
	noise       float64 // how large an excess chance alone makes (noiseSigmas standard errors)
	log         *slog.Logger
	logged      time.Time
}

type splitPacket struct {
	seq   uint16
	valid bool // sent and not yet reported
	lead  bool
	sent  time.Time
}

// splitReport is one packet's fate, as feedback reported it.
type splitReport struct {
	at, sent   time.Time // reported, sent
	lost, lead bool
}

const (
	splitHistory = 4096 // packets remembered until their feedback
	allWindow    = 300 * time.Millisecond
	allMin       = 30  // packets at least in allLoss, the window grows to hold them
	leadWindow   = 100 // the last leads count, no older than leadKeep
	leadKeep     = 10 * time.Second
	leadMin      = 15
	leadGapMin   = 5 * time.Millisecond
	leadGapMax   = 15 * time.Millisecond
	splitStep    = 200 * time.Millisecond
	noiseSigmas  = 2.5
	maxCut       = 0.7              // a decrease keeps this much of the target at least
	probeSlow    = 10 * time.Second // after a decrease, the increase is 2 %, not 5 %
	lossUpBelow  = 0.02
	lossDownOver = 0.10
)

// leadGap is how long the pacer must have been idle before a packet for it
// to be a lead: one packet's time at the target (a policer near the target
// has refilled that much), within leadGapMin-leadGapMax (a screen that
// fills the target leaves the pacer idle a third of each frame interval,
// some 15 ms at 20 frames a second).
func leadGap(target, size int) time.Duration {
	if target <= 0 {
		return leadGapMax
	}
	return min(leadGapMax, max(leadGapMin, time.Duration(float64(size)*8/float64(target)*float64(time.Second))))
}

// onSent notes a video packet as it leaves the pacer; ext is the
// transport-wide sequence number's header extension ID, queuedIdle whether
// the packet found the pacer's queue empty.
func (s *lossSplit) onSent(now time.Time, h *rtp.Header, size int, ext uint8, queuedIdle bool) {
	raw := h.GetExtension(ext)
	if raw == nil {
		return
	}
	var tcc rtp.TransportCCExtension
	if err := tcc.Unmarshal(raw); err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	lead := queuedIdle && !s.lastSend.IsZero() && now.Sub(s.lastSend) >= leadGap(s.target, size)
	s.lastSend = now
	s.sent[tcc.TransportSequence%splitHistory] = splitPacket{seq: tcc.TransportSequence, valid: true, lead: lead, sent: now}
}

// onFeedback takes a transport-wide feedback report: each packet it
// reports counts once, lost or not.
func (s *lossSplit) onFeedback(now time.Time, fb *rtcp.TransportLayerCC) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq := fb.BaseSequenceNumber
	left := int(fb.PacketStatusCount)
	note := func(symbol uint16) {
		p := &s.sent[seq%splitHistory]
		if p.valid && p.seq == seq {
			s.reports = append(s.reports, splitReport{at: now, sent: p.sent, lost: symbol == rtcp.TypeTCCPacketNotReceived, lead: p.lead})
			p.valid = false
		}
		seq++
		left--
	}
	for _, c := range fb.PacketChunks {
		switch c := c.(type) {
		case *rtcp.RunLengthChunk:
			for i := 0; i < int(c.RunLength) && left > 0; i++ {
				note(c.PacketStatusSymbol)
			}
		case *rtcp.StatusVectorChunk:
			for _, sym := range c.SymbolList {
				if left == 0 {
					break
				}
				note(sym)
			}
		}
	}
}

// update moves the target by the excess loss and returns it, within
// [MinBitrate, min(MaxBitrate, delayTarget)]; delayTarget is GCC's
// delay-based estimate. It returns 0 while delayTarget is unknown (keep
// GCC's target).
func (s *lossSplit) update(now time.Time, delayTarget int) int {
	if delayTarget <= 0 {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.target == 0 {
		s.target = delayTarget
	}
	excess, ok := s.excessLocked(now)
	if s.log != nil && now.Sub(s.logged) >= time.Second {
		s.logged = now
		s.log.Debug("loss split", "kbps", s.target/1000, "delay_kbps", delayTarget/1000, "all", s.all, "lead", s.lead,
			"leads", s.leads, "noise", s.noise, "judged", ok)
	}
	switch {
	case !ok:
	case excess < lossUpBelow && now.Sub(s.up) >= splitStep:
		s.up = now
		step := 1.05
		if !s.sure.IsZero() && now.Sub(s.sure) < probeSlow {
			step = 1.02 // near the rate that lost: probe gently
		}
		s.target = int(float64(s.target) * step)
	case excess > lossDownOver && excess > s.noise && now.Sub(s.down) >= splitStep:
		s.down = now
		if s.leads >= leadMin {
			confirmed := s.wideN >= policedMin && (s.wide-s.lead > max(lossDownOver, s.wideNoise) || s.wide >= policedCollapse)
			if confirmed || s.policedOn {
				s.policedOn, s.policedAt, s.policedRate = true, now, s.target
			}
			s.sure = now
		}
		cut := float64(s.target) * max(maxCut, 1-excess/2)
		s.target = int(cut)
	}
	s.target = max(MinBitrate, min(s.target, MaxBitrate, delayTarget))
	if s.policedOn && s.target >= policedLeave*s.policedRate && now.Sub(s.policedAt) >= policedHold {
		s.policedOn = false
	}
	if p := s.policedOn; p != s.wasPoliced {
		s.wasPoliced = p
		if s.log != nil {
			s.log.Debug("loss split: policed", "on", p, "kbps", s.target/1000, "all", s.all, "lead", s.lead, "noise", s.noise)
		}
	}
	return s.target
}

// excessLocked measures the losses and returns the excess: the loss of
// the packets sent since the last decrease and reported within allWindow
// (allMin at least, when there are) less the last leads' (leadWindow,
// no older than leadKeep); all packets' loss while fewer than leadMin
// leads were reported. ok is false while fewer than allMin packets were
// sent since the last decrease: too few to judge it.
func (s *lossSplit) excessLocked(now time.Time) (excess float64, ok bool) {
	drop := 0
	for drop < len(s.reports) && now.Sub(s.reports[drop].at) > leadKeep {
		drop++
	}
	s.reports = s.reports[drop:]
	var n, lost, leads, leadsLost, wideN, wideLost int
	for i := len(s.reports) - 1; i >= 0; i-- {
		r := s.reports[i]
		wideFresh := now.Sub(r.at) <= policedWindow
		if wideFresh {
			wideN++
			if r.lost {
				wideLost++
			}
		}
		fresh := r.sent.After(s.down) && (n < allMin || now.Sub(r.at) <= allWindow)
		if fresh {
			n++
			if r.lost {
				lost++
			}
		}
		if r.lead && leads < leadWindow {
			leads++
			if r.lost {
				leadsLost++
			}
		}
		if !fresh && !wideFresh && leads >= leadWindow {
			break
		}
	}
	s.all, s.lead, s.leads, s.wide, s.wideN, s.wideNoise = 0, 0, leads, 0, wideN, 0
	if wideN > 0 {
		s.wide = float64(wideLost) / float64(wideN)
	}
	if n > 0 {
		s.all = float64(lost) / float64(n)
	}
	if leads > 0 {
		s.lead = float64(leadsLost) / float64(leads)
	}
	if n < allMin {
		return 0, false
	}
	if leads < leadMin {
		s.noise = 0
		return s.all, true
	}
	// Both losses are counts of chance events: an excess within a few
	// standard errors of the difference may be chance alone (at 20 %
	// random loss, 100 leads: 4 %).
	p := s.lead
	s.noise = noiseSigmas * math.Sqrt(p*(1-p)/float64(n)+p*(1-p)/float64(leads))
	if wideN > 0 {
		s.wideNoise = policedSigmas * math.Sqrt(p*(1-p)/float64(wideN)+p*(1-p)/float64(leads))
	}
	return s.all - s.lead, true
}

// Policed mode: a decrease is confirmed when the loss of all packets
// reported within policedWindow (policedMin at least) exceeds the leads'
// by more than lossDownOver and policedSigmas standard errors: the rate
// causes loss (a policer, a full queue), not chance; or when that loss is
// policedCollapse or more, whatever the leads lost (leads are lost too
// when retransmissions of retransmissions keep a policer's bucket empty:
// the lab's 1 Mbit/s policer lost seven packets in ten, leads and all,
// for the whole of a relayed session). Such a decrease turns policed mode
// on, and the mode lasts until the target has grown to policedLeave times
// the rate that lost at the last decrease in the mode (the policer is gone
// or has grown), policedHold after it at least: a target probing at a
// policer's rate loses a little, seldom enough to tell.
const (
	policedWindow   = time.Second
	policedMin      = 50
	policedSigmas   = 3
	policedCollapse = 0.5
	policedLeave    = 2
	policedHold     = 20 * time.Second
)

// policed reports whether policed mode is on.
func (s *lossSplit) policed() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policedOn
}

// current is the target, 0 before the first update.
func (s *lossSplit) current() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.target
}

// losses returns the running loss of all packets and of leads, and how
// many leads that is, for the log.
func (s *lossSplit) losses() (all, lead float64, leads int) {
	if s == nil {
		return 0, 0, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.all, s.lead, s.leads
}
