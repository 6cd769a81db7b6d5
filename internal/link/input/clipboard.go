package input

// MaxClipboard is the default limit on clipboard text, in bytes, either
// way (every system's clipboard, and the technician's viewer).
const MaxClipboard = 1 << 20
