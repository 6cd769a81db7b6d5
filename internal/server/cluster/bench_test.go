package cluster

import "testing"

// BenchmarkEmbeddedStart is what a node pays at start to cluster: its
// embedded NATS server up (route listener, TLS, in-process client), then
// stopped. A node alone starts none.
func BenchmarkEmbeddedStart(b *testing.B) {
	for b.Loop() {
		bus, err := Start(Config{Listen: "127.0.0.1:0", Secret: testSecret, Name: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		bus.Close()
	}
}
