// keys.js: the input channel's key table (docs/wire.md section 7), from
// internal/link/input/testdata/wire/keys.txt; console_test.go checks it.
// codes[i] is the KeyboardEvent.code of wire code i; usKeysyms[i] its keysym
// on a US layout.

export const codes = [
  'Unidentified', 'KeyA', 'KeyB', 'KeyC', 'KeyD', 'KeyE', 'KeyF', 'KeyG', 'KeyH', 'KeyI', 'KeyJ',
  'KeyK', 'KeyL', 'KeyM', 'KeyN', 'KeyO', 'KeyP', 'KeyQ', 'KeyR', 'KeyS', 'KeyT', 'KeyU', 'KeyV',
  'KeyW', 'KeyX', 'KeyY', 'KeyZ', 'Digit0', 'Digit1', 'Digit2', 'Digit3', 'Digit4', 'Digit5',
  'Digit6', 'Digit7', 'Digit8', 'Digit9', 'Backquote', 'Minus', 'Equal', 'BracketLeft',
  'BracketRight', 'Backslash', 'Semicolon', 'Quote', 'Comma', 'Period', 'Slash', 'IntlBackslash',
  'IntlRo', 'IntlYen', 'Space', 'Backspace', 'Tab', 'Enter', 'Escape', 'CapsLock', 'ShiftLeft',
  'ShiftRight', 'ControlLeft', 'ControlRight', 'AltLeft', 'AltRight', 'MetaLeft', 'MetaRight',
  'ContextMenu', 'Insert', 'Delete', 'Home', 'End', 'PageUp', 'PageDown', 'ArrowLeft', 'ArrowUp',
  'ArrowRight', 'ArrowDown', 'PrintScreen', 'ScrollLock', 'Pause', 'Help', 'NumLock', 'Numpad0',
  'Numpad1', 'Numpad2', 'Numpad3', 'Numpad4', 'Numpad5', 'Numpad6', 'Numpad7', 'Numpad8',
  'Numpad9', 'NumpadAdd', 'NumpadSubtract', 'NumpadMultiply', 'NumpadDivide', 'NumpadDecimal',
  'NumpadEnter', 'NumpadEqual', 'NumpadComma', 'F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7', 'F8',
  'F9', 'F10', 'F11', 'F12', 'F13', 'F14', 'F15', 'F16', 'F17', 'F18', 'F19', 'F20', 'F21', 'F22',
  'F23', 'F24', 'AudioVolumeMute', 'AudioVolumeDown', 'AudioVolumeUp', 'MediaPlayPause',
  'MediaStop', 'MediaTrackPrevious', 'MediaTrackNext', 'Lang1', 'Lang2', 'Convert', 'NonConvert',
  'KanaMode',
];

export const usKeysyms = [
  0x0000, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006a, 0x006b,
  0x006c, 0x006d, 0x006e, 0x006f, 0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
  0x0078, 0x0079, 0x007a, 0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038,
  0x0039, 0x0060, 0x002d, 0x003d, 0x005b, 0x005d, 0x005c, 0x003b, 0x0027, 0x002c, 0x002e, 0x002f,
  0x003c, 0x005c, 0x00a5, 0x0020, 0xff08, 0xff09, 0xff0d, 0xff1b, 0xffe5, 0xffe1, 0xffe2, 0xffe3,
  0xffe4, 0xffe9, 0xffea, 0xffeb, 0xffec, 0xff67, 0xff63, 0xffff, 0xff50, 0xff57, 0xff55, 0xff56,
  0xff51, 0xff52, 0xff53, 0xff54, 0xff61, 0xff14, 0xff13, 0xff6a, 0xff7f, 0xffb0, 0xffb1, 0xffb2,
  0xffb3, 0xffb4, 0xffb5, 0xffb6, 0xffb7, 0xffb8, 0xffb9, 0xffab, 0xffad, 0xffaa, 0xffaf, 0xffae,
  0xff8d, 0xffbd, 0xffac, 0xffbe, 0xffbf, 0xffc0, 0xffc1, 0xffc2, 0xffc3, 0xffc4, 0xffc5, 0xffc6,
  0xffc7, 0xffc8, 0xffc9, 0xffca, 0xffcb, 0xffcc, 0xffcd, 0xffce, 0xffcf, 0xffd0, 0xffd1, 0xffd2,
  0xffd3, 0xffd4, 0xffd5, 0x1008ff12, 0x1008ff11, 0x1008ff13, 0x1008ff14, 0x1008ff15, 0x1008ff16,
  0x1008ff17, 0xff31, 0xff34, 0xff23, 0xff22, 0xff27,
];
