import { parseStakingKey } from '../../src/identity/private-key.js'
import {
  decodeBase64Std,
  looksLikePem,
  pemBlocks,
  shownType,
  toPem
} from '../../src/identity/pem.js'

// Each row: the text, and the blocks Go's pem.Decode loop finds in it (type:hex of the bytes:count
// of headers). The expectations were checked against Go's encoding/pem; the one row where Go 1.19
// and Go 1.25 differ follows Go 1.25 and says so.
const B = '-----BEGIN T-----\n'
const E = '-----END T-----\n'
const U = '-----BEGIN U-----\nBBBB\n-----END U-----\n'

const blocks = (text: string) =>
  pemBlocks(Buffer.from(text, 'latin1')).map(
    b => `${b.type}:${b.der.toString('hex')}:${Object.keys(b.headers).length}`
  )

describe("PEM decoded as Go's encoding/pem decodes it", () => {
  it.each([
    ['a block', B + 'AAAA\n' + E, ['T:000000:0']],
    ['no final newline', B + 'AAAA\n-----END T-----', ['T:000000:0']],
    [
      'CRLF line endings',
      B.replace('\n', '\r\n') + 'AAAA\r\n' + E.replace('\n', '\r\n'),
      ['T:000000:0']
    ],
    ['a CR inside a base64 line (skipped)', B + 'AA\rAA\n' + E, ['T:000000:0']],
    ['a space inside a base64 line (removed)', B + 'AA AA\n' + E, ['T:000000:0']],
    ['a tab inside a base64 line (removed)', B + 'AA\tAA\n' + E, ['T:000000:0']],
    ['a stray "." in the body', B + 'AA.AA\n' + E, []],
    ['a stray "*" in the body', B + 'AA*AA\n' + E, []],
    ['a vertical tab in the body', B + 'AA\vAA\n' + E, []],
    ['a URL-safe character in the body', B + 'AA_A\n' + E, []],
    ['"==" padding', B + 'AA==\n' + E, ['T:00:0']],
    ['"=" padding', B + 'AAA=\n' + E, ['T:0000:0']],
    ['too little padding', B + 'AA=\n' + E, []],
    ['too much padding', B + 'AA===\n' + E, []],
    ['padding after a whole group', B + 'AAAA=\n' + E, []],
    ['data after the padding', B + 'AA==AAAA\n' + E, []],
    ['padding split by a line break', B + 'AA=\n=\n' + E, ['T:00:0']],
    ['a group cut short, unpadded', B + 'AAA\n' + E, []],
    ['non-zero bits left over (StdEncoding is not Strict)', B + 'AB==\n' + E, ['T:00:0']],
    ['no END line', B + 'AAAA\n', []],
    ['an END line of another type', B + 'AAAA\n-----END U-----\n', []],
    ['text after the END line', B + 'AAAA\n-----END T----- x\n', []],
    ['spaces and tabs after the END line', B + 'AAAA\n-----END T-----  \t\n', ['T:000000:0']],
    ['a lone CR after the last END line', B + 'AAAA\n-----END T-----\r', []],
    ['spaces after the BEGIN line', '-----BEGIN T-----  \nAAAA\n' + E, ['T:000000:0']],
    ['text after the BEGIN line', '-----BEGIN T----- x\nAAAA\n' + E, []],
    ['text before BEGIN on its line', 'x' + B + 'AAAA\n' + E, []],
    ['lines before the block', 'junk\n\n' + B + 'AAAA\n' + E, ['T:000000:0']],
    ['a header', B + 'K: V\nAAAA\n' + E, ['T:000000:1']],
    [
      'encryption headers on a plain block (Go ignores them)',
      B + 'Proc-Type: 4,ENCRYPTED\nDEK-Info: X\n\nAAAA\n' + E,
      ['T:000000:2']
    ],
    ['a header and no body', B + 'K: V\n' + E, []],
    ['a header, a blank line and no body', B + 'K: V\n\n' + E, ['T::1']],
    ['no body at all', B + E, ['T::0']],
    // Go 1.19 decodes this block; Go 1.25 takes the "-----BEGIN " in the header for a BEGIN line.
    ['a header holding "-----BEGIN " (Go 1.25)', B + 'Comment: -----BEGIN X\nAAAA\n' + E, []],
    ['two blocks', B + 'AAAA\n' + E + U, ['T:000000:0', 'U:041041:0']],
    ['a damaged block, then a good one', B + 'AA.A\n' + E + U, ['U:041041:0']],
    ['a BEGIN with no END, then a block', B + 'AAAA\n' + B + 'BBBB\n' + E, ['T:041041:0']],
    ['lone CRs as line breaks', B.replace('\n', '\r') + 'AAAA\r' + E.replace('\n', '\r'), []],
    ['CR CR LF line endings', B.replace('\n', '\r\r\n') + 'AAAA\r\r\n' + E, []]
  ])('%s', (_name, text, expected) => {
    expect(blocks(text)).toEqual(expected)
  })

  it('many END lines without a BEGIN do not hide the block after them', () => {
    const text = 'x'.repeat(10) + '\n-----END T-----'.repeat(4000) + '\n' + B + 'AAAA\n' + E
    expect(blocks(text)).toEqual(['T:000000:0'])
  })

  it.each([
    ['', Buffer.alloc(0)],
    ['AAAA', Buffer.from([0, 0, 0])],
    ['AAAA\r\nAAAA', Buffer.from([0, 0, 0, 0, 0, 0])],
    ['A A', undefined],
    ['AAAA====', undefined],
    ['=AAA', undefined]
  ])("base64 %j as Go's StdEncoding reads it", (text, expected) => {
    expect(decodeBase64Std(text)).toEqual(expected)
  })

  it('writes what Go writes: 64 columns, LF, a final newline', () => {
    const der = Buffer.alloc(100, 7)
    const pem = toPem('CERTIFICATE', der)
    expect(pem.split('\n').map(l => l.length)).toEqual([27, 64, 64, 8, 25, 0])
    expect(pemBlocks(Buffer.from(pem))).toEqual([{ type: 'CERTIFICATE', headers: {}, der }])
  })

  it('PEM is text holding a BEGIN line anywhere; DER is not', () => {
    expect(looksLikePem(Buffer.from('junk\n' + B))).toBe(true)
    expect(looksLikePem(Buffer.from([0x30, 0x82, 0x01, 0x00]))).toBe(false)
  })

  it('a block type is shown in messages as printable ASCII only, and cut when long', () => {
    expect(shownType('RSA PRIVATE KEY')).toBe('RSA PRIVATE KEY')
    expect(shownType('A\rB\x1b\xe9')).toBe('A?B??')
    expect(shownType('X'.repeat(60))).toBe('X'.repeat(40) + '…')
    const odd = '-----BEGIN A\rB-----\nAAAA\n-----END A\rB-----\n'
    expect(() => parseStakingKey(Buffer.from(odd, 'latin1'))).toThrow(/\(found: A\?B\)/)
  })
})
