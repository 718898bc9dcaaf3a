import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeMaterial } from '../../src/identity/material.js'
import { checkIdentity } from '../../src/identity/checks.js'
import { readPathInput } from '../../src/operations/source.js'
import { generateIdentity } from '../support/identities.js'
import { tempDir } from '../support/tmp.js'

const id = generateIdentity('ec')
const crtText = id.crt.toString()
const noFile = () => undefined

describe('secret inputs in the forms users have them', () => {
  it.each([
    ['PEM text', crtText],
    ['PEM text with CRLF line endings', crtText.replace(/\n/g, '\r\n')],
    ['PEM text without its final newline', crtText.trimEnd()],
    ['PEM text with blank space around it', `\n\n  ${crtText}  \n\n`],
    ['base64 of the file', id.crt.toString('base64')],
    ['base64 wrapped at 76 columns', id.crt.toString('base64').replace(/.{76}/g, '$&\n')],
    [
      'base64 with CRLF and a trailing newline',
      id.crt.toString('base64').replace(/.{64}/g, '$&\r\n') + '\r\n'
    ],
    ['URL-safe base64 without padding', id.crt.toString('base64url')]
  ])('staker.crt as %s gives the same certificate', (_name, input) => {
    const m = decodeMaterial('staker.crt', input, noFile)
    const { report } = checkIdentity(
      { 'staker.crt': m.bytes, 'staker.key': id.key, 'signer.key': id.signer },
      {}
    )
    expect(report.checks.filter(c => c.status === 'fail')).toEqual([])
    expect(m.bytes.toString().replace(/\r/g, '').trim()).toBe(crtText.trim())
  })

  it('staker.crt as a path to the file', () => {
    const m = decodeMaterial('staker.crt', id.crtPath, readPathInput)
    expect(m.form).toBe('file path')
    expect(m.bytes.equals(id.crt)).toBe(true)
  })

  it('staker.crt as base64 of its DER', () => {
    const der = Buffer.from(crtText.replace(/-----[^-]+-----|\s/g, ''), 'base64')
    const m = decodeMaterial('staker.crt', der.toString('base64'), noFile)
    expect(m.bytes.equals(der)).toBe(true)
    const { report } = checkIdentity(
      { 'staker.crt': m.bytes, 'staker.key': id.key, 'signer.key': id.signer },
      {}
    )
    expect(report.checks[0]).toMatchObject({
      status: 'pass',
      found: expect.stringContaining('given as DER; written as PEM')
    })
  })

  it.each([
    ['base64', () => id.signer.toString('base64'), 'base64'],
    ['base64 with a trailing newline', () => id.signer.toString('base64') + '\n', 'base64'],
    ['0x-hex', () => '0x' + id.signer.toString('hex'), 'hex'],
    ['0x-hex in capitals', () => '0x' + id.signer.toString('hex').toUpperCase(), 'hex'],
    ['bare hex', () => id.signer.toString('hex'), 'hex'],
    ['a path', () => id.signerPath, 'file path']
  ])('signer.key as %s', (_name, input, form) => {
    const m = decodeMaterial('signer.key', input(), readPathInput)
    expect(m.form).toBe(form)
    expect(m.bytes.equals(id.signer)).toBe(true)
  })

  it('`~/` in a path is the home directory', () => {
    const home = tempDir('home')
    writeFileSync(join(home, 'signer.key'), id.signer)
    const saved = process.env.HOME
    process.env.HOME = home
    try {
      expect(
        decodeMaterial('signer.key', '~/signer.key', readPathInput).bytes.equals(id.signer)
      ).toBe(true)
    } finally {
      process.env.HOME = saved
    }
  })

  it('renderings to mask include every line given and the decoded forms', () => {
    const m = decodeMaterial('staker.key', id.key.toString().replace(/\n/g, '\r\n'), noFile)
    for (const line of id.key.toString().split('\n').filter(Boolean))
      expect(m.renderings).toContain(line)
    expect(m.renderings).toContain(m.bytes.toString('base64'))
    const s = decodeMaterial('signer.key', '0x' + id.signer.toString('hex'), noFile)
    expect(s.renderings).toEqual(
      expect.arrayContaining([id.signer.toString('base64'), id.signer.toString('hex')])
    )
  })

  it.each([
    [
      'staker.crt',
      '',
      /staker\.crt: the staker-crt input is empty\. Set it from the file: gh secret set STAKER_CRT < staker\.crt/
    ],
    ['staker.key', '   \n ', /staker-key input is empty/],
    [
      'staker.key',
      'not a key at all!',
      /neither PEM text, base64, nor a path to a file\. Set it from the file: gh secret set STAKER_KEY < staker\.key/
    ],
    [
      'staker.crt',
      '/nonexistent/staker.crt',
      /looks like a path, but there is no readable file there/
    ],
    [
      'signer.key',
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
      /signer\.key: given as PEM text; signer\.key is 32 raw bytes.*base64 -w0 signer\.key \| gh secret set SIGNER_KEY/
    ],
    ['signer.key', '0xzz', /starts with 0x but is not 64 hex digits/],
    ['signer.key', '%%%', /neither PEM text, base64, nor a path to a file \(nor 0x-hex\)/]
  ] as const)('%s input %j is refused with a hint', (file, input, message) => {
    expect(() => decodeMaterial(file, input, readPathInput)).toThrow(message)
  })

  it.each([
    ['a stray "." in a base64 line', (t: string) => t.replace(/\n([A-Za-z0-9+/]{10})/, '\n$1.')],
    ['a stray "*" in a base64 line', (t: string) => t.replace(/\n([A-Za-z0-9+/]{30})/, '\n$1*')],
    ['its END line missing', (t: string) => t.replace(/-----END CERTIFICATE-----\n?$/, '')],
    ['lone CRs for line breaks', (t: string) => t.replace(/\n/g, '\r')]
  ])('PEM text with %s is read as given, and refused as avalanchego refuses it', (_n, damage) => {
    for (const input of [damage(crtText), Buffer.from(damage(crtText)).toString('base64')]) {
      const m = decodeMaterial('staker.crt', input, noFile)
      const { report } = checkIdentity(
        { 'staker.crt': m.bytes, 'staker.key': id.key, 'signer.key': id.signer },
        {}
      )
      expect(report.checks[0]).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(
          /^staker\.crt: its CERTIFICATE block cannot be decoded the way avalanchego \(Go encoding\/pem\) decodes it/
        )
      })
    }
  })

  it('base64 input with a character outside base64 is not read as base64', () => {
    const b64 = id.crt.toString('base64')
    const damaged = b64.slice(0, 40) + '.' + b64.slice(40)
    expect(() => decodeMaterial('staker.crt', damaged, noFile)).toThrow(
      /the staker-crt input is neither PEM text, base64, nor a path to a file/
    )
  })

  it('PEM text is given to the checks byte for byte, but for CRLF pairs, blank space around it and a final newline', () => {
    const m = decodeMaterial(
      'staker.crt',
      `\r\n ${crtText.replace(/\n/g, '\r\n').trimEnd()} \r\n`,
      noFile
    )
    expect(m.bytes.toString()).toBe(crtText)
  })

  it('an input longer than any staking file is refused by its size before anything else', () => {
    expect(() => decodeMaterial('staker.crt', crtText + 'A'.repeat(10_000_000), noFile)).toThrow(
      /^staker\.crt: the staker-crt input is 10\d{6} characters; the staker\.crt it should hold is a few KB, so inputs over 98304 characters are refused unread/
    )
  })

  it('a signer.key secret set from the raw file (not base64) is caught', () => {
    // `gh secret set SIGNER_KEY < signer.key` stores the raw bytes as text: mostly not base64.
    const raw = Buffer.from([0x8f, 0x00, 0x41, 0xfe, ...Buffer.alloc(28, 0x2a)]).toString('latin1')
    expect(() => decodeMaterial('signer.key', raw, noFile)).toThrow(
      /signer\.key: the signer-key input is neither/
    )
  })
})
