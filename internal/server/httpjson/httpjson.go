// Package httpjson writes the JSON answers of the server's HTTP APIs (the
// login API, the admin API, the help desk's routes): one encoding and one
// set of headers, so that every API answers alike.
package httpjson

import (
	"encoding/json"
	"net/http"
)

// Write answers v with status: Content-Type application/json,
// Cache-Control no-store (answers carry tokens, accounts and chats, never
// to be kept by a proxy or browser), and v's JSON encoding (HTML
// characters escaped, as json.Marshal does) followed by a newline.
func Write(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// Error answers the login and admin APIs' error body,
// {"code":code,"error":message}: a stable code a client branches on
// (package login maps the login API's back to its errors) and words that
// say what to do.
func Error(w http.ResponseWriter, status int, code, message string) {
	Write(w, status, errorBody{Code: code, Error: message})
}

type errorBody struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}
