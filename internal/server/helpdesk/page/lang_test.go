package page

import (
	"net/http/httptest"
	"testing"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, header, want string
	}{
		{"empty means English", "", "en"},
		{"French", "fr", "fr"},
		{"regional French", "fr-CA", "fr"},
		{"case does not matter", "FR-be", "fr"},
		{"first of equal q wins", "fr, en", "fr"},
		{"higher q wins over order", "en;q=0.5, fr;q=0.9", "fr"},
		{"unsupported first, French later", "de-DE, fr;q=0.7, en;q=0.3", "fr"},
		{"only unsupported", "de, it", "en"},
		{"q=0 refuses French", "fr;q=0, de", "en"},
		{"star stands for English", "de, *;q=0.5, fr;q=0.4", "en"},
		{"browser style", "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "fr"},
		{"bad q is skipped", "fr;q=abc, en;q=0.1", "en"},
		{"q above 1 is skipped", "fr;q=2", "en"},
		{"spaces", "  en ;  q=0.2 ,  fr ; q=0.3 ", "fr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := negotiate(tt.header); got != tt.want {
				t.Errorf("negotiate(%q) = %q, want %q", tt.header, got, tt.want)
			}
		})
	}
}

func TestLanguageQueryOverrides(t *testing.T) {
	tests := []struct {
		url, header, want string
	}{
		{"/?lang=en", "fr", "en"},
		{"/?lang=FR", "en", "fr"},
		{"/?lang=de", "fr", "fr"}, // not ours: the header decides
		{"/s/123456789?lang=fr", "", "fr"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", tt.url, nil)
		r.Header.Set("Accept-Language", tt.header)
		if got := language(r); got != tt.want {
			t.Errorf("language(%s, Accept-Language %q) = %q, want %q", tt.url, tt.header, got, tt.want)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	f.Add("fr-FR,fr;q=0.9,en;q=0.8")
	f.Add("*;q=0")
	f.Add(";;,,q=")
	f.Fuzz(func(t *testing.T, header string) {
		if got := negotiate(header); !supported(got) {
			t.Fatalf("negotiate(%q) = %q, not a page language", header, got)
		}
	})
}
