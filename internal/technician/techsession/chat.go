package techsession

import (
	"context"

	"github.com/tandem-remote/tandem/internal/link/chat"
	"github.com/tandem-remote/tandem/internal/link/peer"
)

// chatLoop runs the technician's side of the chat: it sends the handle's
// messages (Session.Say) as they come, and reports every message both
// ways.
func (v *techView) chatLoop(ctx context.Context) {
	c := v.chat
	v.r.Go(ctx, func(ctx context.Context) { c.Run(ctx) })
	in, out := c.Incoming(), v.req.say
	for {
		select {
		case m, ok := <-in:
			if !ok {
				return
			}
			v.heard(m)
		case text := <-out:
			v.say(ctx, text)
		case <-ctx.Done():
			return
		}
	}
}

func (v *techView) say(ctx context.Context, text string) {
	m, err := v.chat.Send(ctx, text)
	if err != nil {
		v.log.Warn("chat message not sent", "err", err)
		return
	}
	v.heard(m)
}

func (v *techView) heard(m chat.Message) {
	v.r.Report().Chat(m)
	v.emit(ChatEvent{m})
}

// startChat opens the chat over the link's chat channel.
func (v *techView) startChat(ctx context.Context) {
	v.chat = chat.New(v.r.Link().Channel(peer.ChannelChat), "technician", chat.Options{Logger: v.log})
	v.r.Go(ctx, v.chatLoop)
}
