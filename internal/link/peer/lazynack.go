package peer

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// registerInterceptors registers what pion's RegisterDefaultInterceptors
// does (NACK generator and responder, RTCP reports, simulcast header
// extensions, stats, transport-wide congestion control feedback), in the
// same order, except that the NACK generator starts its loop only once
// video arrives (see lazyGenerator) and transport-wide feedback is for
// video only.
func registerInterceptors(me *webrtc.MediaEngine, ir *interceptor.Registry) error {
	gen, err := nack.NewGeneratorInterceptor(nack.GeneratorInterval(nackInterval))
	if err != nil {
		return fmt.Errorf("nack generator: %w", err)
	}
	resp, err := nack.NewResponderInterceptor()
	if err != nil {
		return fmt.Errorf("nack responder: %w", err)
	}
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeVideo)
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
	ir.Add(resp)
	ir.Add(lazyGeneratorFactory{gen})
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
		return err
	}
	if err := webrtc.ConfigureStatsInterceptor(ir); err != nil {
		return err
	}
	// TWCC feedback on video only, as pion's ConfigureTWCCSender does
	// for video and audio: the input lane (m=audio) carries none.
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: webrtc.TypeRTCPFBTransportCC}, webrtc.RTPCodecTypeVideo)
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.TransportCCURI}, webrtc.RTPCodecTypeVideo); err != nil {
		return err
	}
	feedback, err := twcc.NewSenderInterceptor()
	if err != nil {
		return err
	}
	ir.Add(feedback)
	return nil
}

// lazyGeneratorFactory makes lazyGenerators.
type lazyGeneratorFactory struct{ inner *nack.GeneratorInterceptorFactory }

// NewInterceptor implements interceptor.Factory.
func (f lazyGeneratorFactory) NewInterceptor(id string) (interceptor.Interceptor, error) {
	i, err := f.inner.NewInterceptor(id)
	if err != nil {
		return nil, err
	}
	return &lazyGenerator{Interceptor: i}, nil
}

// lazyGenerator is pion's NACK generator, whose loop wakes every
// nackInterval for the whole life of the link from the moment the link
// binds its RTCP writer, whether or not any video arrives. Both sides
// announce a video track from the start, but the agent receives video only
// in demonstration mode: until then those wake-ups were most of an idle
// agent's (under Wine each costs about 1 ms of CPU). Here the loop starts
// with the first video packet received.
type lazyGenerator struct {
	interceptor.Interceptor

	mu      sync.Mutex
	writer  interceptor.RTCPWriter // the link's, once bound
	started atomic.Bool
}

// BindRTCPWriter keeps the writer for the loop; the generator returns
// the writer unchanged, and so does this.
func (g *lazyGenerator) BindRTCPWriter(w interceptor.RTCPWriter) interceptor.RTCPWriter {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.writer = w
	return w
}

// BindRemoteStream lets the generator log the stream's sequence numbers,
// and starts the loop when the first packet of a stream that takes NACK
// (video, not the express lane) has been read.
func (g *lazyGenerator) BindRemoteStream(info *interceptor.StreamInfo, r interceptor.RTPReader) interceptor.RTPReader {
	if !takesNack(info) {
		return r // pion's generator leaves it alone too
	}
	logged := g.Interceptor.BindRemoteStream(info, r)
	return interceptor.RTPReaderFunc(func(b []byte, a interceptor.Attributes) (int, interceptor.Attributes, error) {
		n, a, err := logged.Read(b, a)
		if err == nil && !g.started.Load() {
			g.start()
		}
		return n, a, err
	})
}

func (g *lazyGenerator) start() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.writer == nil || g.started.Load() {
		return
	}
	g.started.Store(true)
	g.Interceptor.BindRTCPWriter(g.writer)
}

// takesNack reports whether a stream negotiated generic NACK feedback.
func takesNack(info *interceptor.StreamInfo) bool {
	for _, fb := range info.RTCPFeedback {
		if fb.Type == "nack" && fb.Parameter == "" {
			return true
		}
	}
	return false
}
