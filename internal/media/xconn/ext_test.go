package xconn_test

import (
	"sync"
	"testing"

	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"

	"github.com/tandem-remote/tandem/internal/media/xconn"
	"github.com/tandem-remote/tandem/internal/testkit/xvfb"
)

// TestExtConcurrent opens connections and readies RandR on them from
// several goroutines while earlier connections' readers run; under the
// race detector, calling randr.Init the same way is reported. Each
// connection must then serve RandR requests.
func TestExtConcurrent(t *testing.T) {
	display := xvfb.Start(t, 320, 240)
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := xconn.Dial(display)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			if err := xconn.Ext(c, "RANDR", randr.Init); err != nil {
				t.Error(err)
				return
			}
			root := xproto.Setup(c).DefaultScreen(c).Root
			if _, err := randr.GetScreenResourcesCurrent(c, root).Reply(); err != nil {
				t.Errorf("RandR request on a readied connection: %v", err)
			}
		}()
	}
	wg.Wait()
}
