package session

import "fmt"

// Offer reports a file the other side offers on its own, waiting for an
// answer (the technician's side: the customer sends a file).
func (r *Reporter) Offer(id uint32, name string, size int64) {
	r.emit(struct {
		Event string `json:"event"`
		ID    uint32 `json:"id"`
		Name  string `json:"name"`
		Size  int64  `json:"size"`
	}{"file-offer", id, name, size}, fmt.Sprintf("The customer offers the file %s (%d bytes)", name, size))
}

// OfferEnd reports how an offer was answered: "accepted", "declined",
// "timeout" or "ended".
func (r *Reporter) OfferEnd(id uint32, name, outcome string) {
	r.emit(struct {
		Event   string `json:"event"`
		ID      uint32 `json:"id"`
		Name    string `json:"name"`
		Outcome string `json:"outcome"`
	}{"file-offer-end", id, name, outcome}, fmt.Sprintf("File %s from the customer: %s", name, outcome))
}
