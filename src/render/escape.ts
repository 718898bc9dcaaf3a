/**
 * How strings from outside (a node's answer, a host's stderr, a file, an input) are written where a
 * person or the Actions runner reads them. Pure; the Log seams in main.ts and the CLI apply it to
 * every message, so no call site has to remember.
 *
 * The runner reads the step's stdout line by line (a line ends at LF, CR or CRLF) and executes a
 * line as a workflow command when, after leading blank space, it starts with `::` (or, in the old
 * form, holds `##[` anywhere): actions/runner src/Runner.Common/ActionCommand.cs, TryParseV2 and
 * TryParse. @actions/core escapes `%`, CR and LF in a command's value (command.ts escapeData); the
 * same escapes are used here, and for the other characters that must not reach a log raw.
 */

/**
 * Control characters (C0 and C1, DEL; tab excepted), Unicode line and paragraph separators, and the
 * bidirectional overrides that make a log line read differently from what it holds.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const UNSAFE_BUT_LINES =
  // eslint-disable-next-line no-control-regex -- as above
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** A character as `%` and the hex of its UTF-8 bytes, as the toolkit writes `%0A`. */
function percent(c: string): string {
  return [...Buffer.from(c, 'utf8')]
    .map(b => '%' + b.toString(16).toUpperCase().padStart(2, '0'))
    .join('')
}

/**
 * One line of the action's log (core.info): `%`, CR, LF and every other control character escaped
 * as the toolkit escapes a command's value, the old `##[` command form broken up, and a leading
 * `::` (after blank space) escaped, so the line is shown and never executed.
 */
export function logLine(s: string): string {
  return s
    .replace(/%/g, '%25')
    .replace(UNSAFE, percent)
    .replace(/##\[/g, '##%5B')
    .replace(/^(\s*):(?=:)/, '$1%3A')
}

/**
 * The value of a workflow command we issue (warning, error, debug, group): @actions/core escapes
 * `%`, CR and LF itself (and the runner undoes it), so here only the other control characters
 * are escaped, which the toolkit passes through.
 */
export function commandValue(s: string): string {
  return s.replace(UNSAFE_BUT_LINES, percent).replace(/[\u2028\u2029]/g, percent)
}

/**
 * A value inside the job summary's HTML: markup characters as entities, line breaks as `<br>`
 * (a blank line would end the HTML block and let Markdown run), control characters escaped.
 */
export function html(s: string): string {
  return commandValue(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/`/g, '&#96;')
    .replace(/\r\n?|\n|[\u2028\u2029]/g, '<br>')
}

/**
 * Text for a terminal: our own line breaks and tabs stay; every other control character (an ANSI
 * escape from a node's answer, a CR that would overwrite the line) is shown escaped. The CLI may
 * run in a workflow step, whose output the runner reads for commands: those are broken up as in
 * `logLine`.
 */
export function terminal(s: string): string {
  return noCommands(
    s.replace(/\r\n/g, '\n').replace(/\r/g, '%0D').replace(UNSAFE_BUT_LINES, percent)
  )
}

/** A value from outside on one terminal line: as `terminal`, with its own line breaks escaped. */
export function terminalValue(s: string): string {
  return noCommands(s.replace(UNSAFE, percent))
}

function noCommands(s: string): string {
  return s.replace(/##\[/g, '##%5B').replace(/^([^\S\n]*):(?=:)/gm, '$1%3A')
}
