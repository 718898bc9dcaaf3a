import { generateKeyPairSync } from 'node:crypto'
import ssh2 from 'ssh2'
import { InputError } from '../../src/errors.js'
import { checkPrivateKey } from '../../src/transport/private-key.js'
import { howToGetHostKey, type HostKeyPins } from '../../src/transport/host-keys.js'
import {
  mismatch,
  noCommonType,
  plain,
  refusal,
  SshRefused,
  timedOut,
  type Hop,
  type Presented
} from '../../src/transport/ssh.js'

// checkPrivateKey: the key is read (with its passphrase) before anything connects. Then the mapping
// of ssh2's connection errors to our words (refusal, timedOut, mismatch, noCommonType, plain), as
// pure functions; __tests__/ssh.test.ts meets the same messages on real hosts.

const { utils } = ssh2
const PASS = 'SECRET-passphrase'
// rounds: 1 keeps bcrypt_pbkdf fast; the format is the same as ssh-keygen's.
const encrypted = { passphrase: PASS, cipher: 'aes256-ctr', rounds: 1 }
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey

const KEYS = {
  ed25519: utils.generateKeyPairSync('ed25519').private,
  ecdsa: utils.generateKeyPairSync('ecdsa', { bits: 256 }).private,
  rsaPem: rsa.export({ type: 'pkcs1', format: 'pem' }).toString(),
  ecPem: ec.export({ type: 'sec1', format: 'pem' }).toString(),
  ed25519Encrypted: utils.generateKeyPairSync('ed25519', encrypted).private,
  ecdsaEncrypted: utils.generateKeyPairSync('ecdsa', { bits: 256, ...encrypted }).private,
  rsaPemEncrypted: rsa
    .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASS })
    .toString(),
  pkcs8: rsa.export({ type: 'pkcs8', format: 'pem' }).toString()
}
const ED25519_PUBLIC = utils.generateKeyPairSync('ed25519').public

/** The InputError checkPrivateKey throws, after checking it quotes none of the key or passphrase. */
function keyRefusal(key: string, passphrase?: string, input?: string): string {
  try {
    checkPrivateKey(key, passphrase, input)
  } catch (e) {
    expect(e).toBeInstanceOf(InputError)
    const message = (e as Error).message
    expect(message).not.toContain('SECRET')
    for (const line of key.split(/\r?\n/).filter(l => l.length > 16))
      expect(message).not.toContain(line.slice(0, 16))
    return message
  }
  throw new Error('accepted')
}

describe('checkPrivateKey: keys ssh2 reads are accepted', () => {
  it.each<[string, string, string | undefined]>([
    ['OpenSSH ed25519', KEYS.ed25519, undefined],
    ['OpenSSH ECDSA P-256', KEYS.ecdsa, undefined],
    ['PEM RSA (PKCS#1)', KEYS.rsaPem, undefined],
    ['PEM ECDSA (SEC1)', KEYS.ecPem, undefined],
    ['OpenSSH ed25519 with its passphrase', KEYS.ed25519Encrypted, PASS],
    ['OpenSSH ECDSA with its passphrase', KEYS.ecdsaEncrypted, PASS],
    ['PEM RSA encrypted, with its passphrase', KEYS.rsaPemEncrypted, PASS],
    ['a key that is not encrypted, given a passphrase anyway', KEYS.ed25519, PASS],
    ['with CRLF line breaks (saved on Windows)', KEYS.ed25519.replace(/\n/g, '\r\n'), undefined],
    ['with blank lines and spaces around it', `\n\n  ${KEYS.rsaPem}\n\n`, undefined]
  ])('%s', (_what, key, passphrase) => {
    expect(() => checkPrivateKey(key, passphrase)).not.toThrow()
  })
})

describe('checkPrivateKey: an encrypted key and its passphrase', () => {
  it.each<[string, string, string | undefined, string | undefined, string]>([
    [
      'OpenSSH, no passphrase',
      KEYS.ed25519Encrypted,
      undefined,
      undefined,
      'ssh-key is encrypted and no ssh-passphrase was given.'
    ],
    [
      'OpenSSH, a wrong passphrase',
      KEYS.ecdsaEncrypted,
      'SECRET-wrong',
      undefined,
      'ssh-key is encrypted and ssh-passphrase does not open it.'
    ],
    [
      'PEM, no passphrase',
      KEYS.rsaPemEncrypted,
      undefined,
      undefined,
      'ssh-key is encrypted and no ssh-passphrase was given.'
    ],
    [
      'PEM, a wrong passphrase',
      KEYS.rsaPemEncrypted,
      'SECRET-wrong',
      undefined,
      'ssh-key is encrypted and ssh-passphrase does not open it.'
    ],
    [
      "the jump host's key, no passphrase",
      KEYS.ed25519Encrypted,
      undefined,
      'proxy-ssh-key',
      'proxy-ssh-key is encrypted and no proxy-ssh-passphrase was given.'
    ],
    [
      "the jump host's key, a wrong passphrase",
      KEYS.ed25519Encrypted,
      'SECRET-wrong',
      'proxy-ssh-key',
      'proxy-ssh-key is encrypted and proxy-ssh-passphrase does not open it.'
    ]
  ])('%s: refused, naming the passphrase input', (_what, key, passphrase, input, message) => {
    expect(keyRefusal(key, passphrase, input)).toBe(message)
  })
})

describe('checkPrivateKey: what is not a private key ssh2 reads', () => {
  const CANNOT_READ = (why: string) =>
    `ssh-key cannot be read (${why}). Give the private key text, OpenSSH or PEM, ed25519, ECDSA or RSA.`

  it.each<[string, string, string]>([
    ['empty', '', CANNOT_READ('Unsupported key format')],
    [
      'a password typed where the key goes',
      'SECRET-hunter2',
      CANNOT_READ('Unsupported key format')
    ],
    // ssh2 reads no PKCS#8 (openssl genpkey's `BEGIN PRIVATE KEY`).
    ['a PKCS#8 PEM key', KEYS.pkcs8, CANNOT_READ('Unsupported key format')],
    ['an OpenSSH key cut short', KEYS.ed25519.slice(0, 200), CANNOT_READ('Unsupported key format')],
    [
      'a PEM key whose body was damaged',
      KEYS.rsaPem.replace(/\n[A-Za-z0-9+/]{12}/, '\n!!!!!!!!!!!!'),
      CANNOT_READ('Malformed OpenSSH private key')
    ]
  ])('%s: cannot be read', (_what, key, message) => {
    expect(keyRefusal(key)).toBe(message)
  })

  const body = ED25519_PUBLIC.split(' ')[1]!
  const IS_PUBLIC = /^ssh-key is a public key \(the \.pub file\)\. Give the private key/

  // __tests__/settings/host.test.ts covers an ssh-ed25519 line and a PEM `BEGIN PUBLIC KEY`.
  it.each<[string, string]>([
    [
      'an ECDSA public key line',
      `ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY ${'A'.repeat(20)}`
    ],
    ['a security-key public key line', `sk-ssh-ed25519@openssh.com ${body} me@laptop`],
    [
      'a PEM RSA public key',
      '-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA\n-----END RSA PUBLIC KEY-----\n'
    ],
    // What `ssh-keygen -e` writes (RFC 4716): four dashes and spaces. The check looks for
    // `-----BEGIN SSH2 PUBLIC KEY-----`, which no tool writes, so this reaches ssh2 and comes back
    // as "cannot be read (Malformed RFC4716 public key)".
    [
      'an RFC 4716 public key (ssh-keygen -e)',
      `---- BEGIN SSH2 PUBLIC KEY ----\nComment: "256-bit ED25519, me@laptop"\n${body}\n---- END SSH2 PUBLIC KEY ----\n`
    ]
  ])('%s: is a public key', (_what, key) => {
    expect(keyRefusal(key)).toMatch(IS_PUBLIC)
  })

  it('a public key as proxy-ssh-key: named as that input', () => {
    expect(keyRefusal(ED25519_PUBLIC, undefined, 'proxy-ssh-key')).toMatch(
      /^proxy-ssh-key is a public key/
    )
  })
})

// ---- The mapping of connection errors (pure: a hop and an error in, an SshRefused out) ----

/** The node, reached directly. Its key and passphrase must never reach a message. */
const NODE: Hop = {
  host: 'node.example',
  port: 22,
  username: 'avax',
  privateKey: 'SECRET-private-key',
  passphrase: 'SECRET-passphrase',
  role: '',
  prefix: '',
  insecure: false,
  timeoutMs: 20_000,
  through: ''
}
/** The jump host (proxy-* inputs). */
const JUMP: Hop = {
  ...NODE,
  host: 'bastion.example',
  port: 2222,
  username: 'jump',
  role: 'the jump host ',
  prefix: 'proxy-'
}
/** The node, reached through the jump host. */
const VIA: Hop = {
  ...NODE,
  host: '10.0.0.5',
  through: ' through the jump host bastion.example:2222'
}

/** The message of an SshRefused, after checking it is one printable line without secrets. */
function said(e: Error): string {
  expect(e).toBeInstanceOf(SshRefused)
  expect(e.name).toBe('SshRefused')
  expect(e.message).toMatch(/^[\x20-\x7e]+$/)
  expect(e.message).not.toContain('SECRET')
  return e.message
}

/** An error as Node's socket and ssh2 give it. */
const err = (message: string, props: { code?: string; level?: string } = {}) =>
  Object.assign(new Error(message), props)

describe('plain: text from the network as one printable line', () => {
  it.each<[string, string, string]>([
    [
      'printable ASCII is kept',
      'connect ECONNREFUSED 203.0.113.7:22',
      'connect ECONNREFUSED 203.0.113.7:22'
    ],
    ['CR LF become one space', 'first line\r\nsecond line', 'first line second line'],
    ['tabs, NUL, BEL, DEL become spaces', 'a\tb\x00c\x07d\x7fe', 'a b c d e'],
    ['runs of spaces collapse; the ends are trimmed', '  a   \n\n  b  ', 'a b'],
    ['an ANSI escape loses its ESC (the rest is printable)', '\x1b[31mred\x1b[0m', '[31mred [0m'],
    [
      'non-ASCII (accents, bidi overrides, U+2028) become spaces',
      'caf\u00e9\u202eX\u2028Y',
      'caf X Y'
    ],
    // plain does not remove `::`: what keeps a workflow command from starting a line is that the
    // text is one line and every message puts its own words in front (see refusal below).
    [
      '`::` is kept, but the line break before it goes',
      'oops\n::error::pwned',
      'oops ::error::pwned'
    ],
    ['a leading line break is trimmed', '\n::add-mask::x', '::add-mask::x'],
    ['empty stays empty', '', ''],
    ['only control characters → empty', '\r\n\x00\t', '']
  ])('%s', (_what, input, output) => {
    expect(plain(input)).toBe(output)
  })

  it('cuts at 200 characters', () => {
    expect(plain('x'.repeat(500))).toBe('x'.repeat(200))
    expect(plain(`${'y'.repeat(150)}\n${'z'.repeat(150)}`)).toBe(
      `${'y'.repeat(150)} ${'z'.repeat(49)}`
    )
  })
})

describe('refusal: a failed handshake that is not about the host key', () => {
  const AUTH = err('All configured authentication methods failed', {
    level: 'client-authentication'
  })

  it.each<[string, Hop, string]>([
    [
      'the node',
      NODE,
      'SSH login as avax on node.example was refused: the server did not accept ssh-key. ' +
        "Check the user name (username) and that the key's public half is in ~avax/.ssh/authorized_keys."
    ],
    [
      'the jump host: names the proxy-* inputs',
      JUMP,
      'SSH login as jump on the jump host bastion.example was refused: the server did not accept proxy-ssh-key. ' +
        "Check the user name (proxy-username) and that the key's public half is in ~jump/.ssh/authorized_keys."
    ],
    [
      'the node through the jump host',
      VIA,
      'SSH login as avax on 10.0.0.5 was refused: the server did not accept ssh-key. ' +
        "Check the user name (username) and that the key's public half is in ~avax/.ssh/authorized_keys."
    ]
  ])('authentication failed on %s', (_what, hop, message) => {
    expect(said(refusal(hop, AUTH))).toBe(message)
  })

  const NODE_WAIT = 'Waited 20 s (connect-timeout).'
  const NODE_TIMEOUT =
    `cannot reach node.example:22: no SSH handshake in time. ${NODE_WAIT} Node firewalls often admit SSH only ` +
    'from known addresses, which GitHub-hosted runners do not have: run this job on a self-hosted runner ' +
    'that can reach the node, or go through a jump host the node admits (proxy-host).'
  const JUMP_TIMEOUT =
    `cannot reach the jump host bastion.example:2222: no SSH handshake in time. ${NODE_WAIT} Firewalls often ` +
    'admit SSH only from known addresses, which GitHub-hosted runners do not have: let the jump host admit ' +
    'the runner, or run this job on a self-hosted runner that can reach it.'
  const VIA_TIMEOUT =
    `cannot reach 10.0.0.5:22 through the jump host bastion.example:2222: no SSH handshake in time. ${NODE_WAIT} ` +
    'Check that the node admits SSH from the jump host.'

  it.each<[string, Hop, Error & { code?: string; level?: string }, string]>([
    [
      'ssh2 readyTimeout, the node',
      NODE,
      err('Timed out while waiting for handshake', { level: 'client-timeout' }),
      NODE_TIMEOUT
    ],
    [
      'socket ETIMEDOUT, the node',
      NODE,
      err('connect ETIMEDOUT 203.0.113.7:22', { code: 'ETIMEDOUT', level: 'client-socket' }),
      NODE_TIMEOUT
    ],
    ['ETIMEDOUT without a level', NODE, err('read ETIMEDOUT', { code: 'ETIMEDOUT' }), NODE_TIMEOUT],
    [
      'ssh2 readyTimeout, the jump host',
      JUMP,
      err('Timed out while waiting for handshake', { level: 'client-timeout' }),
      JUMP_TIMEOUT
    ],
    [
      'ssh2 readyTimeout, the node through the jump host',
      VIA,
      err('Timed out while waiting for handshake', { level: 'client-timeout' }),
      VIA_TIMEOUT
    ]
  ])('timeout (%s) → the firewall hint', (_what, hop, e, message) => {
    expect(said(refusal(hop, e))).toBe(message)
    expect(refusal(hop, e).message).toBe(timedOut(hop).message)
  })

  it('timedOut says the connect-timeout in seconds', () => {
    expect(said(timedOut({ ...NODE, timeoutMs: 1500 }))).toContain(
      'Waited 1.5 s (connect-timeout).'
    )
  })

  it.each<[string, Hop, Error & { code?: string; level?: string }, string]>([
    [
      'ECONNREFUSED, the node',
      NODE,
      err('connect ECONNREFUSED 203.0.113.7:22', { code: 'ECONNREFUSED', level: 'client-socket' }),
      'cannot reach node.example:22: ECONNREFUSED connect ECONNREFUSED 203.0.113.7:22'
    ],
    [
      'EHOSTUNREACH, the jump host',
      JUMP,
      err('connect EHOSTUNREACH 198.51.100.9:2222', {
        code: 'EHOSTUNREACH',
        level: 'client-socket'
      }),
      'cannot reach the jump host bastion.example:2222: EHOSTUNREACH connect EHOSTUNREACH 198.51.100.9:2222'
    ],
    [
      'ENOTFOUND, the node',
      NODE,
      err('getaddrinfo ENOTFOUND node.example', { code: 'ENOTFOUND', level: 'client-socket' }),
      'cannot reach node.example:22: ENOTFOUND getaddrinfo ENOTFOUND node.example'
    ],
    [
      'ENOTFOUND, the jump host',
      JUMP,
      err('getaddrinfo ENOTFOUND bastion.example', { code: 'ENOTFOUND', level: 'client-socket' }),
      'cannot reach the jump host bastion.example:2222: ENOTFOUND getaddrinfo ENOTFOUND bastion.example'
    ],
    [
      'ECONNRESET, the node through the jump host',
      VIA,
      err('read ECONNRESET', { code: 'ECONNRESET', level: 'client-socket' }),
      'cannot reach 10.0.0.5:22 through the jump host bastion.example:2222: ECONNRESET read ECONNRESET'
    ],
    [
      'no code (the close during the handshake)',
      NODE,
      err('the connection was closed during the SSH handshake'),
      'cannot reach node.example:22: the connection was closed during the SSH handshake'
    ],
    [
      'a handshake failure from ssh2',
      NODE,
      err('Handshake failed: no matching key exchange algorithm', { level: 'handshake' }),
      'cannot reach node.example:22: Handshake failed: no matching key exchange algorithm'
    ]
  ])('%s: says host:port, the hop and the error', (_what, hop, e, message) => {
    expect(said(refusal(hop, e))).toBe(message)
  })

  // A message from the server or a library is third-party text: it reaches the log as one line.
  it.each<[string, Error & { code?: string; level?: string }, string]>([
    [
      'a line break then a workflow command',
      err('Handshake failed\r\n::error::pwned\n::add-mask::x', { level: 'handshake' }),
      'cannot reach node.example:22: Handshake failed ::error::pwned ::add-mask::x'
    ],
    [
      'a message that starts with a workflow command',
      err('\n::set-output name=x::y'),
      'cannot reach node.example:22: ::set-output name=x::y'
    ],
    [
      'ANSI escapes, a bidi override and NUL',
      err('bad\x1b[2K\u202eeno\x00', { code: 'EPROTO' }),
      'cannot reach node.example:22: EPROTO bad [2K eno'
    ],
    [
      'control characters in the code too',
      err('x', { code: 'E\nBAD' }),
      'cannot reach node.example:22: E BAD x'
    ],
    [
      'a very long message: cut to 200',
      err('w'.repeat(1000)),
      `cannot reach node.example:22: ${'w'.repeat(200)}`
    ]
  ])('hostile text (%s) passes through plain', (_what, e, message) => {
    const m = said(refusal(NODE, e))
    expect(m).toBe(message)
    expect(m.split(/\r\n|[\n\r\u2028\u2029\x85]/)).toHaveLength(1)
    expect(m).not.toMatch(/^::/m)
  })
})

// Real key blobs' fingerprints (as `ssh-keygen -lf` prints them).
const ED: Presented = {
  fingerprint: 'SHA256:PsMbdGkk1mpxqMgqkeeaak8UAJz7Y6Kpbn9HJTpsjMw',
  type: 'ssh-ed25519'
}
const EC: Presented = {
  fingerprint: 'SHA256:eH77fMJ8Eb26ahv/WZqf6DUQTfjBprrSHOiL8O0P2rw',
  type: 'ecdsa-sha2-nistp256'
}
const OTHER_FP = 'SHA256:RBN6LhmEjFjmx1R+Nc1zHxCfV1XCnaE4d64+SQ+R0GQ'
const pins = (fingerprints: string[], otherHosts = 0): HostKeyPins => ({
  fingerprints: new Map(fingerprints.map(f => [f, undefined])),
  revoked: new Set(),
  otherHosts
})
const AFTER_MISMATCH =
  'If the host was reinstalled, get its new key from a trusted place; otherwise someone may be intercepting the connection. Nothing was sent to the host.'

describe('mismatch: no trusted key among those the host presented', () => {
  it.each<[string, Hop, Presented[], string]>([
    [
      'no host-key given (the node)',
      NODE,
      [ED],
      `host-key is required to trust node.example. It presented ${ED.fingerprint} (ssh-ed25519): compare that with the host's own key before trusting it. ${howToGetHostKey('host-key')}`
    ],
    [
      'no proxy-host-key given (the jump host)',
      JUMP,
      [EC],
      `proxy-host-key is required to trust the jump host bastion.example. It presented ${EC.fingerprint} (ecdsa-sha2-nistp256): compare that with the host's own key before trusting it. ${howToGetHostKey('proxy-host-key')}`
    ],
    [
      'one key, not pinned',
      { ...NODE, hostKeys: pins([OTHER_FP]) },
      [ED],
      `host key mismatch: node.example presented ${ED.fingerprint} (ssh-ed25519), which is not in host-key. ${AFTER_MISMATCH}`
    ],
    [
      'two keys (two handshakes), neither pinned',
      { ...NODE, hostKeys: pins([OTHER_FP]) },
      [ED, EC],
      `host key mismatch: node.example presented ${ED.fingerprint} (ssh-ed25519) and ${EC.fingerprint} (ecdsa-sha2-nistp256), none of which is in host-key. ${AFTER_MISMATCH}`
    ],
    [
      'the jump host, one key not pinned',
      { ...JUMP, hostKeys: pins([OTHER_FP]) },
      [ED],
      `host key mismatch: the jump host bastion.example presented ${ED.fingerprint} (ssh-ed25519), which is not in proxy-host-key. ${AFTER_MISMATCH}`
    ],
    [
      'known_hosts lines only for other hosts (port 22)',
      { ...NODE, host: 'Node.Example', hostKeys: pins([], 2) },
      [ED],
      `host key mismatch: Node.Example presented ${ED.fingerprint} (ssh-ed25519), which is not in host-key. ` +
        "None of host-key's known_hosts lines is for node.example: like OpenSSH, a line counts only for the host names it lists (`[host]:port` for ports other than 22). " +
        AFTER_MISMATCH
    ],
    [
      'known_hosts lines only for other hosts (the jump host, port 2222)',
      { ...JUMP, hostKeys: pins([], 1) },
      [ED],
      `host key mismatch: the jump host bastion.example presented ${ED.fingerprint} (ssh-ed25519), which is not in proxy-host-key. ` +
        "None of proxy-host-key's known_hosts lines is for [bastion.example]:2222: like OpenSSH, a line counts only for the host names it lists (`[host]:port` for ports other than 22). " +
        AFTER_MISMATCH
    ],
    [
      'pins for this host and lines for others: no other-hosts note',
      { ...NODE, hostKeys: pins([OTHER_FP], 3) },
      [ED],
      `host key mismatch: node.example presented ${ED.fingerprint} (ssh-ed25519), which is not in host-key. ${AFTER_MISMATCH}`
    ]
  ])('%s', (_what, hop, presented, message) => {
    const m = said(mismatch(hop, presented))
    expect(m).toBe(message)
    // It names the presented key, never the pinned one it did not match.
    expect(m).not.toContain(OTHER_FP)
  })
})

describe('noCommonType: the host has no key of the types host-key names', () => {
  it.each<[string, Hop, string[], string[], string]>([
    [
      'the node',
      NODE,
      ['rsa-sha2-512', 'ecdsa-sha2-nistp256'],
      ['ssh-ed25519'],
      `node.example offers host keys rsa-sha2-512, ecdsa-sha2-nistp256; host-key names only ssh-ed25519. Pin one of the host's own keys. ${howToGetHostKey('host-key')}`
    ],
    [
      'the jump host',
      JUMP,
      ['ssh-ed25519'],
      ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
      `the jump host bastion.example offers host keys ssh-ed25519; proxy-host-key names only rsa-sha2-512, rsa-sha2-256, ssh-rsa. Pin one of the host's own keys. ${howToGetHostKey('proxy-host-key')}`
    ],
    [
      'the host offers were not seen',
      NODE,
      [],
      ['ssh-ed25519'],
      `node.example offers host keys other types; host-key names only ssh-ed25519. Pin one of the host's own keys. ${howToGetHostKey('host-key')}`
    ]
  ])('%s', (_what, hop, hostOffers, offered, message) => {
    expect(said(noCommonType(hop, hostOffers, offered))).toBe(message)
  })
})
