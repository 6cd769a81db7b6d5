// Package selfremove makes the customer's one-shot agent leave nothing
// behind. The agent creates a Remover first thing in main, writes its
// temporaries under TempDir, Tracks every other file it writes (a partial
// download, a log the customer asked for) and Keeps the files the customer
// accepted. When the session ends, however it ends (Stop, the technician
// hanging up, the link lost beyond its grace period, SIGINT or SIGTERM),
// the deferred Remove deletes the tracked files, the temporary directory
// and finally the agent's own binary.
//
// # Why the binary is checked before it is deleted
//
// New resolves the executable's real path (symlinks evaluated, made
// absolute, so a later change of directory does not matter) and records its
// device and inode. Remove deletes that path only while it still names the
// same file: a symlink is never followed and a newer agent downloaded over
// the old one under the same name is left alone. A symlink that pointed at
// the binary stays behind, dangling; it is not a file the agent wrote.
//
// # When the agent is killed
//
// SIGKILL, a crash, or Xlib ending the process when its X connection
// breaks (xkill, the desktop session ending) run no Remove. With
// Options.Guardian, New starts a guardian: a copy of the agent (the
// program's main calls RunGuardian first) in its own process group, with
// signals ignored, reading a pipe from the agent that names the binary,
// the temporary directory and every Track and Keep. The pipe ends when the
// agent's process does, however it ends; without the agent's "done" line
// the guardian then removes what Remove would have, and exits. A Remove
// that ran tells the guardian "done" and waits for it to exit, so no
// process outlives the agent. Only a power cut (or a SIGKILL of the
// guardian itself) leaves the binary where the customer saved it; the
// temporary directory, named after the agent's PID, is then swept by the
// next agent's New once that PID no longer runs.
//
// A killed agent cannot put back what it changed outside the file system
// either (keys it remapped on the customer's X keyboard): it reports each
// such change with SetUndo before making it, and the guardian hands the
// latest report to the Undo the program's main gave RunGuardian, before
// it removes the files.
//
// # What it never does
//
// The agent installs no service, autostart entry, certificate or firewall
// rule, so there is nothing of that kind to undo. Processes and listening
// sockets end with the process itself: the agent must stop its goroutines
// (and any child it started) before main returns; Remove only removes files.
//
// # Wiring
//
//	func main() {
//		selfremove.RunGuardian(map[string]selfremove.Undo{"x-keys": input.RestoreSpares})
//		os.Exit(run())
//	}
//
//	func run() int {
//		rm, err := selfremove.New(selfremove.Options{Logger: log})
//		if err != nil { ... }
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//		defer stop()        // runs second: a second Ctrl-C cannot kill a half-done removal
//		defer rm.Remove()   // runs first, on every return path
//		...
//	}
//
// Only Linux is implemented; see binary_other.go for the Windows plan.
package selfremove
