import { bitString, boolean, Der, integer, oid } from '../../src/identity/der.js'

// DER as Go's cryptobyte reads it: the rows that separate strict DER from what OpenSSL lets pass.
const hex = (h: string) => Buffer.from(h.replace(/ /g, ''), 'hex')

describe('strict DER', () => {
  it.each([
    ['short length', '04 02 aa bb', 'aabb'],
    ['long length of 128', '04 81 80' + ' 00'.repeat(128), '00'.repeat(128)],
    ['long form for a short length', '04 81 02 aa bb', 'non-minimal length'],
    ['a length with a leading zero byte', '04 82 00 80' + ' 00'.repeat(128), 'non-minimal length'],
    ['indefinite length', '30 80 00 00', 'indefinite length'],
    ['a multi-byte tag', '1f 81 00 00', 'multi-byte tag'],
    ['contents cut short', '04 05 aa', 'truncated']
  ])('%s', (_name, input, expected) => {
    let got: string
    try {
      got = Buffer.from(new Der(hex(input)).any().body).toString('hex')
    } catch (e) {
      got = (e as Error).message
    }
    expect(got).toBe(expected)
  })

  it.each([
    ['00', 0n],
    ['7f', 127n],
    ['00 80', 128n],
    ['ff', -1n],
    ['80', -128n],
    ['00 7f', 'non-minimal integer'],
    ['ff 80', 'non-minimal integer'],
    ['', 'empty integer']
  ])('INTEGER %s', (body, expected) => {
    let got: bigint | string
    try {
      got = integer(hex(body))
    } catch (e) {
      got = (e as Error).message
    }
    expect(got).toBe(expected)
  })

  it.each([
    ['2a 86 48 86 f7 0d 01 01 01', '1.2.840.113549.1.1.1'],
    ['2b 65 70', '1.3.101.112'],
    ['2a 80 01', 'non-minimal OID'],
    ['2a 86', 'truncated OID'],
    ['', 'empty OID'],
    ['2a 8f ff ff ff 7f', 'OID part too large']
  ])('OBJECT IDENTIFIER %s', (body, expected) => {
    let got: string
    try {
      got = oid(hex(body))
    } catch (e) {
      got = (e as Error).message
    }
    expect(got).toBe(expected)
  })

  it('BIT STRING: unused bits at most 7 and zero; BOOLEAN: 00 or ff only', () => {
    expect(Buffer.from(bitString(hex('00 04 aa'))).toString('hex')).toBe('04aa')
    expect(Buffer.from(bitString(hex('04 a0'))).toString('hex')).toBe('0a')
    expect(() => bitString(hex('04 a1'))).toThrow('bad BIT STRING padding')
    expect(() => bitString(hex('08 00'))).toThrow('bad BIT STRING')
    expect(() => bitString(hex('01'))).toThrow('bad BIT STRING padding')
    expect(boolean(hex('ff'))).toBe(true)
    expect(() => boolean(hex('01'))).toThrow('bad BOOLEAN')
  })
})
