//go:build windows

package selfremove

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/windows"
)

// guardEnv marks a process started as a guardian.
const guardEnv = "TANDEM_SELFREMOVE_GUARDIAN"

// guardHeader is the first line the agent sends its guardian.
type guardHeader struct {
	Exe     string `json:"exe"`
	Vol     uint32 `json:"vol"`
	Idx     uint64 `json:"idx"`
	TempDir string `json:"temp"`
	PID     int    `json:"pid"`
}

// Windows keeps a running program's file, so the guardian is a copy of
// the agent in %TEMP% (tandem-guard-PID.exe), started detached: it waits
// on the agent's process handle, then deletes the agent's binary (and,
// when the agent ended without "done", everything its Remove would have),
// and last itself.

// RunGuardian makes this process a guardian and exits, when it was started
// as one (Options.Guardian); otherwise it returns at once. Nothing outside
// the file system is undone on Windows: undo is not used.
func RunGuardian(map[string]Undo) {
	if os.Getenv(guardEnv) != "1" {
		return
	}
	code := guard(os.Stdin)
	deleteSelf()
	os.Exit(code)
}

// guard reads what to remove (as on Linux), waits until the agent's
// process is gone, then removes the binary, and everything else too when
// the agent did not say "done".
func guard(r io.Reader) int {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	if !sc.Scan() {
		return 0
	}
	var h guardHeader
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Exe == "" || h.TempDir == "" {
		return 2
	}
	agent, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(h.PID))
	if err == nil {
		defer windows.CloseHandle(agent)
	}
	rm := &Remover{exe: h.Exe, id: fileID{vol: h.Vol, idx: h.Idx}, tempDir: h.TempDir,
		log: slog.New(slog.DiscardHandler), kept: map[string]bool{}}
	done := false
	for sc.Scan() {
		verb, path, _ := strings.Cut(sc.Text(), " ")
		switch verb {
		case "track":
			rm.tracked = append(rm.tracked, path)
		case "keep":
			rm.kept[path] = true
		case "glob":
			rm.globs = append(rm.globs, path)
		case "done":
			done = true
		}
	}
	if agent != 0 {
		windows.WaitForSingleObject(agent, windows.INFINITE)
	}
	if done {
		return exitCode(removeExecutable(rm.exe, rm.id))
	}
	return exitCode(rm.Remove())
}

func exitCode(err error) int {
	if err != nil {
		return 1
	}
	return 0
}

// deleteSelf deletes the guardian's own copy: directly where the system
// allows it, else by a hidden cmd.exe that retries once a second until
// this process has ended, else at the next reboot.
func deleteSelf() {
	self, err := os.Executable()
	if err != nil || os.Remove(self) == nil {
		return
	}
	// cmd.exe parses its own command line (Go's quoting of arguments is
	// not cmd's), so it is given whole: wait a second, try, up to a minute.
	q := `"` + self + `"`
	cmd := exec.Command("cmd.exe")
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true,
		CreationFlags: windows.CREATE_NO_WINDOW | windows.CREATE_NEW_PROCESS_GROUP,
		CmdLine: `cmd.exe /d /q /c for /l %i in (1,1,60) do @(ping -n 2 127.0.0.1 >nul & del /f /q ` + q +
			` >nul 2>&1 & if not exist ` + q + ` exit)`}
	if cmd.Start() == nil {
		return
	}
	if p, err := windows.UTF16PtrFromString(self); err == nil {
		windows.MoveFileEx(p, nil, windows.MOVEFILE_DELAY_UNTIL_REBOOT)
	}
}

// startGuardian copies this program to %TEMP% and starts the copy as r's
// guardian, detached (it outlives the agent by design); r keeps the write
// end of its standard input open until Remove.
func (r *Remover) startGuardian() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	copyPath := filepath.Join(os.TempDir(), "tandem-guard-"+strconv.Itoa(os.Getpid())+".exe")
	if err := copyFile(self, copyPath); err != nil {
		return fmt.Errorf("copy the guardian: %w", err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		os.Remove(copyPath)
		return err
	}
	defer pr.Close()
	cmd := exec.Command(copyPath)
	cmd.Env = append(os.Environ(), guardEnv+"=1")
	cmd.Stdin = pr
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true,
		CreationFlags: windows.CREATE_NO_WINDOW | windows.CREATE_NEW_PROCESS_GROUP}
	if err := cmd.Start(); err != nil {
		pw.Close()
		os.Remove(copyPath)
		return err
	}
	h, _ := json.Marshal(guardHeader{Exe: r.exe, Vol: r.id.vol, Idx: r.id.idx, TempDir: r.tempDir, PID: os.Getpid()})
	if _, err := pw.Write(append(h, '\n')); err != nil {
		pw.Close()
		cmd.Wait()
		return err
	}
	r.guard, r.guardIn = cmd, pw
	guardCopy.Store(&guardianCopy{pid: cmd.Process.Pid, path: copyPath})
	guarded.Store(true)
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o700)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	return out.Close()
}

// SetUndo does nothing on Windows: nothing outside the file system is
// changed (the injector remaps no key).
func (r *Remover) SetUndo(string, []byte) {}

// stopGuardian tells the guardian the agent removed what it could; the
// guardian deletes the binary once this process has exited, so it is not
// waited for. r.mu is held.
func (r *Remover) stopGuardian() error {
	if r.guard == nil {
		return nil
	}
	fmt.Fprintln(r.guardIn, "done")
	r.guardIn.Close()
	r.guard.Process.Release()
	r.guard, r.guardIn = nil, nil
	return nil
}

// guardianCopy is the running guardian, for EndSession.
type guardianCopy struct {
	pid  int
	path string
}

var guardCopy atomic.Pointer[guardianCopy]

// EndSession does at the Windows session's end (logoff) what the
// guardian, ended with the session, would have done after the agent: it
// ends the guardian and deletes its copy, runs Remove (again if it ran:
// what is gone stays gone), and marks the agent's running binary for
// deletion at the next reboot (MOVEFILE_DELAY_UNTIL_REBOOT). It returns
// once all of that is done.
func (r *Remover) EndSession() error {
	var errs []error
	if g := guardCopy.Swap(nil); g != nil {
		errs = append(errs, endGuardian(g))
	}
	guarded.Store(false) // removeExecutable now schedules the binary itself
	errs = append(errs, r.Remove())
	return errors.Join(errs...)
}

// endGuardian ends the guardian's process and deletes its copy.
func endGuardian(g *guardianCopy) error {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE|windows.SYNCHRONIZE, false, uint32(g.pid))
	if err == nil {
		windows.TerminateProcess(h, 1)
		windows.WaitForSingleObject(h, 2000)
		windows.CloseHandle(h)
	}
	if err := os.Remove(g.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the guardian's copy %s: %w", g.path, err)
	}
	return nil
}
