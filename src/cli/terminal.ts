/**
 * Text from the data (names, topics, reasons, file contents echoed in an error) can hold
 * control characters. On a terminal an ESC sequence can move the cursor, clear the screen,
 * change the window title or forge a hyperlink (OSC 8); a lone CR can overwrite what was
 * printed. Everything meant for a person goes through here: each C0 control (but the allowed
 * newline), DEL and each C1 control (U+0080–U+009F, 8-bit CSI and OSC included) is written as
 * a visible escape such as `\x1b`, so nothing reaches the terminal as a command and nothing
 * is silently lost.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]|\n/g;

const NAMED: Record<string, string> = { '\t': '\\t', '\r': '\\r', '\n': '\\n' };

export function escapeControls(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(CONTROLS, (ch) => {
    if (ch === '\n' && options.keepNewlines) return ch;
    return NAMED[ch] ?? `\\x${(ch.codePointAt(0) ?? 0).toString(16).padStart(2, '0')}`;
  });
}

/** A message for stderr: data echoed inside it cannot drive the terminal. */
export function safeMessage(text: string): string {
  return escapeControls(text, { keepNewlines: true });
}
