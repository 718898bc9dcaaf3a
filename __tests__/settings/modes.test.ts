// Settings per mode, read through the one InputReader: every input validated before anything
// connects, errors naming the input (as its reader labels it) and never quoting a value. Pure:
// no host, no network; the backup's files are read from ../shared/vectors by path.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../src/errors.js'
import { IdentityError } from '../../src/identity/errors.js'
import type { Log } from '../../src/log.js'
import { readPathInput } from '../../src/operations/source.js'
import {
  parseMode,
  parseSettings,
  type Mode,
  type ParseContext,
  type Settings
} from '../../src/settings/modes.js'
import type { InputReader } from '../../src/settings/reader.js'
import { keyChecks } from '../../src/settings/key-checks.js'
import { describeWith, HAVE_VECTORS } from '../support/prerequisites.js'
import { vectorPath, vectors } from '../support/vectors.js'

const s1 = vectors.stakers[0]
const s2 = vectors.stakers[1]
// A place to write that is free (its directory exists), and places that are taken.
const PLACES = mkdtempSync(join(tmpdir(), 'anb-modes-'))
const DEFAULT_ARCHIVE = join(PLACES, 'backup.tar.age')
writeFileSync(join(PLACES, 'taken.tar.age'), 'x')
mkdirSync(join(PLACES, 'full'))
writeFileSync(join(PLACES, 'full', 'staker.crt'), 'x')
const AGE_RECIPIENT = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'
const HOST_KEY = 'SHA256:' + 'A'.repeat(43)
const SSH_KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACCtsb3Aot1fP3S1y2M5Fbp2DT4wNv1R6M1pI0y1bUrnVAAAAJgyBEJBMgRC',
  'QQAAAAtzc2gtZWQyNTUxOQAAACCtsb3Aot1fP3S1y2M5Fbp2DT4wNv1R6M1pI0y1bUrnVA',
  'AAAEB5r0y2Yy9vD2mUKgG8uGAlpr4m7i0Gsm9m4n6jFtG+l62xvcCi3V8/dLXLYzkVunYN',
  'PjA2/VHozWkjTLVtSudUAAAAEHRlc3RAZXhhbXBsZS5jb20BAgMEBQ==',
  '-----END OPENSSH PRIVATE KEY-----'
].join('\n')

/** A reader over a record, labelled like the action (name) or the CLI (--name). */
function reader(values: Record<string, string>, cli = false): InputReader {
  return {
    get: n => (values[n] ?? '').trim(),
    secret: n => values[n] ?? '',
    bool: n => values[n] === 'true',
    label: n => (cli ? `--${n}` : n)
  }
}

function context(over: Partial<ParseContext> = {}) {
  const hidden: string[] = []
  const debug: string[] = []
  const log: Log = {
    info: () => {},
    debug: m => debug.push(m),
    warning: () => {},
    group: (_n, fn) => fn(),
    secret: (v, whole) => hidden.push(...v.map(x => (whole ? `whole:${x}` : x)))
  }
  const ctx: ParseContext = {
    readPath: readPathInput,
    defaultArchivePath: () => DEFAULT_ARCHIVE,
    needsExpectation: true,
    alwaysProofOfPossession: false,
    keys: keyChecks,
    log,
    ...over
  }
  return { ctx, hidden, debug }
}

const parse = (mode: Mode, values: Record<string, string>, over: Partial<ParseContext> = {}) =>
  parseSettings(mode, reader(values), context(over).ctx)

const files = () => ({
  'staker-crt': vectorPath(s1!.cert),
  'staker-key': vectorPath(s1!.key),
  'signer-key': vectorPath(s1!.signer)
})
const ssh = { host: 'node.example', username: 'ubuntu', 'ssh-key': SSH_KEY, 'host-key': HOST_KEY }

describe('parseMode', () => {
  it.each([
    ['', 'verify'],
    ['verify', 'verify'],
    ['restore', 'restore'],
    ['backup', 'backup'],
    ['probe', 'probe']
  ])('%j reads as %s', (raw, mode) => expect(parseMode(raw)).toBe(mode))
  it.each([
    ['restor', /Unknown mode 'restor'\. Expected one of: verify, restore, backup, probe\./],
    ['-----BEGIN PRIVATE KEY-----', /^Unknown mode\. Expected one of/]
  ])('%j is refused; only a plain word is quoted back', (raw, message) => {
    expect(() => parseMode(raw)).toThrow(InputError)
    expect(() => parseMode(raw)).toThrow(message)
  })
})

describeWith('../shared/vectors', HAVE_VECTORS, 'parseSettings', () => {
  it('verify: the three files decoded, the expectation parsed, no live node', () => {
    const s = parse('verify', { ...files(), 'expected-node-id': s1!.nodeID })
    expect(s.mode).toBe('verify')
    if (s.mode !== 'verify' || s.source.kind !== 'files') throw new Error('not verify of files')
    expect(s.source.forms).toEqual({
      'staker.crt': 'file path',
      'staker.key': 'file path',
      'signer.key': 'file path'
    })
    expect(Object.values(s.source.files).every(f => f instanceof Uint8Array)).toBe(true)
    expect(s.expected).toEqual({ nodeId: s1!.nodeID })
    expect(s.live).toBeUndefined()
  })

  it('every decoded rendering of the keys is handed to the log to hide, and only forms are logged', () => {
    const { ctx, hidden, debug } = context()
    parseSettings('verify', reader({ ...files(), 'expected-node-id': s1!.nodeID }), ctx)
    const key = readPathInput(vectorPath(s1!.key))!
    const signer = readPathInput(vectorPath(s1!.signer))!
    expect(hidden).toEqual(
      expect.arrayContaining([
        signer.toString('base64'),
        signer.toString('hex'),
        key.toString('base64')
      ])
    )
    expect(debug.join('\n')).toMatch(/signer-key: read as file path \(32 bytes\)/)
    expect(debug.join('\n')).not.toContain(signer.toString('base64'))
  })

  it('a file input that cannot be decoded is kept as its error, for its check to report', () => {
    const s = parse('verify', {
      ...files(),
      'signer-key': '/nonexistent/signer.key',
      'expected-node-id': s1!.nodeID
    })
    if (s.mode !== 'verify' || s.source.kind !== 'files') throw new Error('not verify of files')
    expect(s.source.files['signer.key']).toBeInstanceOf(IdentityError)
    expect(String(s.source.files['signer.key'])).toMatch(/signer-key input looks like a path/)
  })

  it('an archive is kept unopened: opening it is the operation’s', () => {
    const s = parse('restore', {
      archive: '/nonexistent/backup.tar.age',
      'age-identity': 'AGE-SECRET-KEY-1' + 'Q'.repeat(58),
      'expected-node-id': s1!.nodeID
    })
    if (s.mode !== 'restore') throw new Error('not restore')
    expect(s.source).toEqual({
      kind: 'archive',
      path: '/nonexistent/backup.tar.age',
      identity: 'AGE-SECRET-KEY-1' + 'Q'.repeat(58)
    })
  })

  it('restore always has the NodeID it must prove, and a host (this machine without host)', () => {
    const s = parse('restore', { ...files(), 'expected-node-id': s2!.nodeID })
    if (s.mode !== 'restore') throw new Error('not restore')
    const nodeId: string = s.expected.nodeId // typed: no `!` needed
    expect(nodeId).toBe(s2!.nodeID)
    expect(s.host.target).toEqual({ kind: 'local' })
  })

  it('backup: an archive store with its recipients, at archive-path or the default', () => {
    const s = parse('backup', { 'age-recipients': `# ops\n${AGE_RECIPIENT}` })
    if (s.mode !== 'backup') throw new Error('not backup')
    expect(s.store).toEqual({
      kind: 'archive',
      path: DEFAULT_ARCHIVE,
      recipients: [AGE_RECIPIENT]
    })
    const named = parse('backup', {
      'age-recipients': AGE_RECIPIENT,
      'archive-path': join(PLACES, 'x.age')
    })
    expect(named.mode === 'backup' && named.store.kind === 'archive' && named.store.path).toBe(
      join(PLACES, 'x.age')
    )
    const dir = parse('backup', { 'out-dir': join(PLACES, 'new') })
    expect(dir.mode === 'backup' && dir.store).toEqual({
      kind: 'directory',
      path: join(PLACES, 'new')
    })
  })

  it('keystore-users: each password hidden as it stands, however short', () => {
    const { ctx, hidden } = context()
    const s = parseSettings(
      'backup',
      reader({
        'age-recipients': AGE_RECIPIENT,
        'keystore-users':
          '[{"username":"alice","password":"pw5ch"},{"username":"bob","password":"a longer one"}]'
      }),
      ctx
    )
    expect(s.mode === 'backup' && s.keystoreUsers?.map(u => u.username)).toEqual(['alice', 'bob'])
    expect(hidden).toEqual(['whole:pw5ch', 'whole:a longer one'])
  })

  it('probe: hosts, their NodeIDs and the timeout', () => {
    const s = parse('probe', {
      hosts: '10.0.0.1, [fd00::2]:9999',
      'expected-node-id': `${s1!.nodeID} ${s2!.nodeID}`,
      'probe-timeout': '7'
    })
    expect(s).toEqual({
      mode: 'probe',
      timeoutMs: 7000,
      targets: [
        { host: '10.0.0.1', port: 9651, expected: s1!.nodeID },
        { host: 'fd00::2', port: 9999, expected: s2!.nodeID }
      ]
    })
  })

  it('the CLI may verify and probe without an expectation; the action may not', () => {
    expect(() => parse('verify', files())).toThrow(/expected-node-id is required/)
    const cli = parse('verify', files(), { needsExpectation: false })
    expect(cli.mode === 'verify' && cli.expected).toEqual({})
    expect(() => parse('probe', { hosts: '10.0.0.1' })).toThrow(
      /expected-node-id has 0 NodeIDs for 1 host/
    )
    expect(parse('probe', { hosts: '10.0.0.1' }, { needsExpectation: false })).toMatchObject({
      targets: [{ host: '10.0.0.1', port: 9651 }]
    })
  })

  const BAD: [string, Mode, Record<string, string>, RegExp][] = [
    ['restore without expected-node-id', 'restore', files(), /^expected-node-id is required/],
    [
      'verify with SSH inputs but no host (an unset vars.NODE_HOST)',
      'verify',
      { ...files(), 'expected-node-id': 'x', username: 'ubuntu', 'host-key': HOST_KEY },
      /expected-node-id|username, host-key are given but host is empty/
    ],
    [
      'verify with an ssh-key but no host',
      'verify',
      { ...files(), 'expected-node-id': s1?.nodeID ?? '', 'ssh-key': SSH_KEY },
      /^ssh-key is given but host is empty: set host/
    ],
    [
      'backup with a recipient that is not one',
      'backup',
      { 'age-recipients': 'age1notarecipient' },
      /^age-recipients: recipient 1 of 1 is not an age recipient/
    ],
    [
      'backup with an age secret key as recipient',
      'backup',
      { 'age-recipients': 'AGE-SECRET-KEY-1' + 'Q'.repeat(58) },
      /it is an age secret key; give its public key/
    ],
    ['backup without recipients', 'backup', {}, /^age-recipients is required for backup/],
    [
      'backup over an existing archive',
      'backup',
      { 'age-recipients': AGE_RECIPIENT, 'archive-path': join(PLACES, 'taken.tar.age') },
      /^archive-path: a file exists there: give a new file \(nothing is written over\)\.$/
    ],
    [
      'backup into a directory that does not exist',
      'backup',
      { 'age-recipients': AGE_RECIPIENT, 'archive-path': join(PLACES, 'nope', 'b.tar.age') },
      /^archive-path: the directory it would be in does not exist\.$/
    ],
    [
      'a plain backup into a non-empty directory',
      'backup',
      { 'out-dir': join(PLACES, 'full') },
      /^out-dir: the directory exists and is not empty/
    ],
    [
      'a plain backup where a file is',
      'backup',
      { 'out-dir': join(PLACES, 'taken.tar.age') },
      /^out-dir: a file exists there: give a new directory\.$/
    ],
    [
      'old-hosts with verify',
      'verify',
      { ...files(), 'expected-node-id': s1?.nodeID ?? '', 'old-hosts': '10.0.0.9' },
      /go with mode restore/
    ],
    [
      'archive without its age identity',
      'restore',
      { archive: '/x.tar.age', 'expected-node-id': s1?.nodeID ?? '' },
      /^age-identity is required with archive/
    ],
    [
      'a mistyped expected-node-id',
      'verify',
      { ...files(), 'expected-node-id': 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lh' },
      /^NodeID: expected-node-id 'NodeID-\w+' has a wrong checksum/
    ],
    [
      'a probe timeout of 0',
      'probe',
      { hosts: 'a', 'expected-node-id': s1?.nodeID ?? '', 'probe-timeout': '0' },
      /^probe-timeout must be a whole number of seconds from 1 to 300/
    ],
    [
      'restore with a host but no host key source',
      'restore',
      { ...files(), 'expected-node-id': s1?.nodeID ?? '', host: 'node.example', username: 'u' },
      /^ssh-key is required with host/
    ]
  ]
  it.each(BAD)(
    '%s: refused before anything connects, naming the input',
    (_n, mode, values, message) => {
      let thrown: unknown
      try {
        parse(mode, values)
      } catch (e) {
        thrown = e
      }
      expect(thrown).toBeInstanceOf(InputError)
      expect((thrown as Error).message).toMatch(message)
      // Never a value back: no secret, no key, no recipient (a NodeID-shaped value is public, and
      // quoted so that the typo can be seen).
      for (const v of Object.values(values).filter(
        v => v.length > 20 && !v.startsWith('/') && !v.startsWith('NodeID-')
      ))
        expect((thrown as Error).message).not.toContain(v)
    }
  )

  it('the CLI’s reader names its flags in the same errors', () => {
    expect(() => parseSettings('restore', reader(files(), true), context().ctx)).toThrow(
      /^--expected-node-id is required/
    )
  })

  it('with ssh: the target, port and pinned keys, no secret in the debug log', () => {
    const { ctx, debug } = context()
    const s: Settings = parseSettings(
      'restore',
      reader({ ...files(), ...ssh, 'expected-node-id': s1!.nodeID, port: '2222' }),
      ctx
    )
    if (s.mode !== 'restore' || s.host.target.kind !== 'ssh') throw new Error('not ssh')
    expect(s.host.target.ssh).toMatchObject({
      host: 'node.example',
      port: 2222,
      username: 'ubuntu'
    })
    expect(debug.join('\n')).toContain('target: ubuntu@node.example:2222')
    expect(debug.join('\n')).not.toContain('OPENSSH')
  })
})
