package filexfer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows has no O_NOFOLLOW; openPartial checks with Lstat instead.
const oNoFollow = 0

// errLink says a link, junction or mount point is on the way to a file.
var errLink = errors.New("a folder or file on the way is a link, junction or mount point")

// openNoFollow opens path (C:\... or, for a file this side sends, a share's
// \\server\share\...) read-only refusing a link anywhere in it. Each
// folder from the volume's root down is opened without following
// a reparse point (FILE_FLAG_OPEN_REPARSE_POINT) and refused if it is a
// symbolic link, junction or mount point (a name-surrogate reparse point:
// what Go treats as a link; OneDrive's placeholders are not); each stays
// open, not sharing delete, until the file is open, so that none can be
// renamed or replaced by a link meanwhile. The file is opened the same
// way. Compiled here, not yet run on Windows (issue 16's agent will).
func openNoFollow(path string) (*os.File, error) {
	vol := filepath.VolumeName(path)
	elems := strings.FieldsFunc(path[len(vol):], isSeparator)
	if vol == "" || len(elems) == 0 {
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New("not a full path to a file")}
	}
	var held []windows.Handle
	defer func() {
		for _, h := range held {
			windows.CloseHandle(h)
		}
	}()
	dir := vol + `\`
	for _, elem := range elems[:len(elems)-1] {
		dir += elem + `\`
		h, err := openNoReparse(dir, windows.FILE_READ_ATTRIBUTES,
			windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE, windows.FILE_FLAG_BACKUP_SEMANTICS)
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: dir, Err: err}
		}
		held = append(held, h)
	}
	h, err := openNoReparse(path, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// attributeTagInfo is FILE_ATTRIBUTE_TAG_INFO.
type attributeTagInfo struct {
	attributes, reparseTag uint32
}

// openNoReparse opens path itself, not what a reparse point there leads
// to, and fails with errLink if it is a name-surrogate reparse point.
func openNoReparse(path string, access, share, flags uint32) (windows.Handle, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return windows.InvalidHandle, err
	}
	h, err := windows.CreateFile(p, access, share, nil, windows.OPEN_EXISTING,
		flags|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return windows.InvalidHandle, err
	}
	var info attributeTagInfo
	err = windows.GetFileInformationByHandleEx(h, windows.FileAttributeTagInfo,
		(*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)))
	const nameSurrogate = 0x20000000 // IsReparseTagNameSurrogate
	if err == nil && info.attributes&windows.FILE_ATTRIBUTE_REPARSE_POINT != 0 && info.reparseTag&nameSurrogate != 0 {
		err = errLink
	}
	if err != nil {
		windows.CloseHandle(h)
		return windows.InvalidHandle, err
	}
	return h, nil
}

// linkNoReplace hard-links old to new (NTFS), failing if new exists.
func linkNoReplace(old, new string) error { return os.Link(old, new) }
