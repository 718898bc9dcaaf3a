// PEM as avalanchego reads it: Go's encoding/pem Decode (Go 1.25), with Go's base64.StdEncoding.
// Facts from Go's source (src/encoding/pem/pem.go, src/encoding/base64/base64.go):
// - a block is found by its first "\n-----END " line and the last "-----BEGIN " before it, which
//   must start a line (the END-line search was rewritten in Go 1.25; see the note in
//   __tests__/identity/differential.test.ts for how this differs from older Go);
// - lines are split on "\n", one "\r" before it dropped, trailing spaces and tabs trimmed;
// - lines holding a ':' right after the BEGIN line are headers (kept, never interpreted here);
// - in the body, spaces and tabs are removed, the base64 decoder skips "\r" and "\n" and refuses
//   any other byte outside the alphabet, bad padding and data after the padding;
// - a block that fails any of this is skipped, and the search goes on after its END line.
// Pure: bytes in, blocks out. Text is handled as latin1 so that every byte stays one character.

export interface PemBlock {
  type: string
  headers: Record<string, string>
  der: Buffer
}

const BEGIN = '-----BEGIN '
const END = '\n-----END '
const DASHES = '-----'

/** True when the bytes hold PEM armour somewhere (a BEGIN line): PEM, not DER. */
export function looksLikePem(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(BEGIN)
}

/** Go's getLine: the line up to "\n" (one "\r" before it dropped), trailing " \t" trimmed. */
function getLine(s: string, from: number): { line: string; next: number } {
  const nl = s.indexOf('\n', from)
  let end = nl < 0 ? s.length : nl
  const next = nl < 0 ? s.length : nl + 1
  if (nl > from && s[nl - 1] === '\r') end--
  let e = end
  while (e > from && (s[e - 1] === ' ' || s[e - 1] === '\t')) e--
  return { line: s.slice(from, e), next }
}

/** The next block from `from` and where the search goes on; undefined when there is none. */
export function decodeOne(s: string, from: number): { block: PemBlock; next: number } | undefined {
  let pos = from
  for (;;) {
    const endAt = s.indexOf(END, pos)
    if (endAt < 0) return undefined
    const trailer = endAt + END.length
    const attempt = blockBefore(s, pos, endAt, trailer)
    if (attempt) return attempt
    pos = trailer
  }
}

/** The block whose END line starts at endAt (the "\n" before it), if it is a valid one. */
function blockBefore(
  s: string,
  pos: number,
  endAt: number,
  trailer: number
): { block: PemBlock; next: number } | undefined {
  // Searched only back to `pos` (as Go does), so many END lines cannot make this quadratic.
  const found = s.slice(pos, endAt).lastIndexOf(BEGIN)
  const begin = pos + found
  if (found < 0 || (found > 0 && s[begin - 1] !== '\n')) return undefined
  const typeLine = getLine(s, begin + BEGIN.length)
  if (!typeLine.line.endsWith(DASHES)) return undefined
  const type = typeLine.line.slice(0, -DASHES.length)
  const headers: Record<string, string> = {}
  let body = typeLine.next
  for (;;) {
    const { line, next } = getLine(s, body)
    const colon = line.indexOf(':')
    if (colon < 0) break
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim()
    body = next
    // A header line can run past the END line Go found first; Go then skips this END.
    if (body > endAt + 1) return undefined
  }
  const hasHeaders = Object.keys(headers).length > 0
  // Without headers the END line may follow the BEGIN line directly (an empty body).
  if (hasHeaders && body > endAt) return undefined
  const endType = s.slice(trailer, trailer + type.length + DASHES.length)
  if (endType !== type + DASHES) return undefined
  if (getLine(s, trailer + type.length + DASHES.length).line !== '') return undefined
  const der =
    body <= endAt ? decodeBase64Std(removeSpacesAndTabs(s.slice(body, endAt))) : Buffer.alloc(0)
  if (!der) return undefined
  return { block: { type, headers, der }, next: getLine(s, trailer).next }
}

function removeSpacesAndTabs(s: string): string {
  return s.includes(' ') || s.includes('\t') ? s.replace(/[ \t]/g, '') : s
}

const ALPHABET = /^[A-Za-z0-9+/]*$/

/**
 * Go's base64.StdEncoding.Decode: "\r" and "\n" are skipped anywhere; the data must be whole
 * 4-character groups, the last one padded with "=" or "==", nothing but line breaks after the
 * padding. Bits left over in the last group are ignored (StdEncoding is not Strict).
 */
export function decodeBase64Std(text: string): Buffer | undefined {
  const s = text.includes('\r') || text.includes('\n') ? text.replace(/[\r\n]/g, '') : text
  const pad = s.indexOf('=')
  const data = pad < 0 ? s : s.slice(0, pad)
  if (!ALPHABET.test(data)) return undefined
  if (pad >= 0) {
    const padding = s.slice(pad)
    const rem = data.length % 4
    if (!((rem === 2 && padding === '==') || (rem === 3 && padding === '='))) return undefined
  } else if (data.length % 4 !== 0) {
    return undefined
  }
  return Buffer.from(data, 'base64')
}

/** Every block Go's Decode finds in the text, in order (what tls.X509KeyPair loops over). */
export function pemBlocks(bytes: Uint8Array | string): PemBlock[] {
  const s = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1')
  const blocks: PemBlock[] = []
  let pos = 0
  for (;;) {
    const found = decodeOne(s, pos)
    if (!found) return blocks
    blocks.push(found.block)
    pos = found.next
  }
}

/**
 * A block type as error messages show it: the BEGIN line is the file's own text, so anything but
 * printable ASCII is shown as "?" and a long label is cut (it could carry a log command or a secret).
 */
export function shownType(type: string): string {
  const printable = type.replace(/[^\x20-\x7e]/g, '?')
  return printable.length > 40 ? printable.slice(0, 40) + '…' : printable
}

/** Go's pem.Encode of a block without headers: base64 in lines of 64. */
export function toPem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  const lines = b64.match(/.{1,64}/g) ?? []
  return `-----BEGIN ${type}-----\n${lines.map(l => l + '\n').join('')}-----END ${type}-----\n`
}
