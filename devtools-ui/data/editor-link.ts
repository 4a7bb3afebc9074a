/**
 * Jumping from a `file:line` in the overlay to the editor, through the dev server's
 * `/__open-in-editor` endpoint (Vite serves it and opens the file in the editor it finds, or the
 * one `LAUNCH_EDITOR` names), as Svelte Inspector does.
 */

/** One line of a stack trace: the location it names (as shown, and as the editor takes it) between the text around it. */
export interface StackLine {
  before: string;
  link?: { shown: string; location: string };
  after: string;
}

/** The location one stack-trace line names, if the editor can open it (not node internals or anonymous code). */
export function readStackLine(line: string): StackLine {
  const open = line.lastIndexOf('(');
  const close = line.lastIndexOf(')');
  const at = line.indexOf('at ');
  let from = -1;
  let to = -1;
  if (open !== -1 && close > open) [from, to] = [open + 1, close];
  else if (at !== -1 && line.slice(0, at).trim() === '') [from, to] = [at + 3, line.length];
  if (from === -1) return { before: line, after: '' };
  const shown = line.slice(from, to);
  let location = shown.startsWith('file://') ? decodeURIComponent(shown.slice('file://'.length)) : shown;
  if (!location.startsWith('/') && !isWindowsPath(location)) return { before: line, after: '' };
  // `path:line:column`, or `path:line`: at least the line must be a number.
  const numbers = location.split(':').slice(-2).filter((part) => part !== '' && Number.isInteger(Number(part)));
  if (numbers.length === 0) return { before: line, after: '' };
  if (location[2] === ':' && location[0] === '/') location = location.slice(1); // file:///C:/… on Windows
  return { before: line.slice(0, from), link: { shown, location }, after: line.slice(to) };
}

/** A stack trace, line by line, with the locations the editor can open. */
export function stackLines(stack: string): StackLine[] {
  return stack.split('\n').map(readStackLine);
}

/** `file`, `file:line` or `file:line:column` for the endpoint. */
export function editorLocation(file: string, line?: number, column?: number): string {
  return line === undefined ? file : column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
}

/** Asks the dev server to open `location` in the editor; resolves false when it could not. */
export async function openInEditor(location: string, fetcher: typeof fetch = fetch): Promise<boolean> {
  try {
    const response = await fetcher(`/__open-in-editor?file=${encodeURIComponent(location)}`);
    return response.ok;
  } catch {
    return false;
  }
}

function isWindowsPath(text: string): boolean {
  const drive = text.charCodeAt(0) | 0x20;
  return drive >= 97 && drive <= 122 && text[1] === ':' && (text[2] === '\\' || text[2] === '/');
}
