//go:build !unix

package signaling

func openFilesLimit() (uint64, bool) { return 0, false }
