/**
 * The keyboard shortcut, matched on `event.code` (the physical key), so `ctrl+shift+KeyL`
 * is the same key on QWERTY, AZERTY or Dvorak.
 */

export interface Shortcut {
  code: string;
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
  meta: boolean;
}

/** Reads `ctrl+shift+KeyL` (already validated by the plugin's options). */
export function parseShortcut(text: string): Shortcut {
  const parts = text.split('+');
  const code = parts.pop() ?? '';
  return { code, ctrl: parts.includes('ctrl'), shift: parts.includes('shift'), alt: parts.includes('alt'), meta: parts.includes('meta') };
}

export function matchesShortcut(
  shortcut: Shortcut,
  event: Pick<KeyboardEvent, 'code' | 'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey'>
): boolean {
  return (
    event.code === shortcut.code &&
    event.ctrlKey === shortcut.ctrl &&
    event.shiftKey === shortcut.shift &&
    event.altKey === shortcut.alt &&
    event.metaKey === shortcut.meta
  );
}

/** How to show it: `Ctrl+Shift+L`. */
export function describeShortcut(shortcut: Shortcut): string {
  const key = shortcut.code.replace(/^Key|^Digit/, '');
  return [shortcut.ctrl && 'Ctrl', shortcut.alt && 'Alt', shortcut.shift && 'Shift', shortcut.meta && 'Meta', key].filter(Boolean).join('+');
}
