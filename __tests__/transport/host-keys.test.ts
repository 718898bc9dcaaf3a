import {
  globMatches,
  hostFieldMatches,
  knownHostsName,
  nextOffer,
  parseHostKeys,
  type HostKeyPins
} from '../../src/transport/host-keys.js'

// Keys and hashed names made with ssh-keygen (the hashes by `ssh-keygen -H`, OpenSSH 9).
const ED = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIMiT+UyBJtXpfjnoKIDXV+4seUvGG940h++0dlkDfZ4'
const ED_FP = 'SHA256:PsMbdGkk1mpxqMgqkeeaak8UAJz7Y6Kpbn9HJTpsjMw'
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDGW9f7vdJ8+eTWsX1HWEme0QN+yHisGRxUfIQfREiEFXvpfMyWOuW7rVFHcx2BiNb41htCY33F/Mv5Zw+I7U2zpHO92z3nYANt2cntJNMRIC4K36YbRtuoAGHAAofEWPBdgHJCrEfD474UXIkaMFuS6q4mlgvBkjAiTz+IE3vMFw=='
const RSA_FP = 'SHA256:RBN6LhmEjFjmx1R+Nc1zHxCfV1XCnaE4d64+SQ+R0GQ'
const ECDSA =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBD+WXRHdKrcNLvVJ+zW0geGqPktp2p0CwgVQ4WOALizyND23gmvhF66IjSYEL9qqgJPKupl1vhzCDsVHllvReug='
const ECDSA_FP = 'SHA256:eH77fMJ8Eb26ahv/WZqf6DUQTfjBprrSHOiL8O0P2rw'
/** node.example.com, hashed. */
const HASHED_22 = '|1|h9k3K3MGKfgb1KtIKbE6UacfGsA=|nsAwtk4AnrfqcusOwcGbhMt6Sco='
/** [node.example.com]:2222, hashed. */
const HASHED_2222 = '|1|euxOf4401rhJYaDR8+2737TOnpc=|IFMUZzgOwZ9Z4EokROSEh83zyPo='

const NODE = 'node.example.com'

describe('knownHostsName: the name OpenSSH looks up', () => {
  it.each([
    ['node.example.com', 22, 'node.example.com'],
    ['Node.Example.COM', 22, 'node.example.com'],
    ['node.example.com', 2222, '[node.example.com]:2222'],
    ['203.0.113.7', 22, '203.0.113.7'],
    ['203.0.113.7', 8022, '[203.0.113.7]:8022']
  ])('%s port %d → %s', (host, port, name) => {
    expect(knownHostsName(host, port)).toBe(name)
  })
})

describe('hostFieldMatches: known_hosts host field against a name (OpenSSH semantics)', () => {
  it.each<[string, string, boolean]>([
    ['node.example.com', NODE, true],
    ['NODE.Example.com', NODE, true],
    ['other.example.com', NODE, false],
    ['node.example.co', NODE, false],
    ['a.example.com,node.example.com,203.0.113.7', NODE, true],
    ['a.example.com,b.example.com', NODE, false],
    ['*.example.com', NODE, true],
    ['*.example.org', NODE, false],
    ['*', NODE, true],
    ['node?.example.com', 'node1.example.com', true],
    ['node?.example.com', NODE, false],
    ['n*e.*.com', NODE, true],
    // A negated pattern that matches excludes the line, whatever else matches.
    ['*.example.com,!node.example.com', NODE, false],
    ['!node.example.com,*.example.com', NODE, false],
    ['*.example.com,!other.example.com', NODE, true],
    ['!other.example.com', NODE, false],
    // The port: [host]:port for ports other than 22; a plain name is port 22 only.
    ['[node.example.com]:2222', '[node.example.com]:2222', true],
    ['[node.example.com]:2222', NODE, false],
    ['node.example.com', '[node.example.com]:2222', false],
    ['[node.example.com]:22', NODE, false],
    ['[*.example.com]:*', '[node.example.com]:2222', true],
    ['[node.example.com]:2223', '[node.example.com]:2222', false],
    // Hashed names: HMAC-SHA1 of the exact name, salt from the entry.
    [HASHED_22, NODE, true],
    [HASHED_22, 'other.example.com', false],
    [HASHED_22, '[node.example.com]:2222', false],
    [HASHED_2222, '[node.example.com]:2222', true],
    [HASHED_2222, NODE, false]
  ])('%s vs %s → %s', (field, name, expected) => {
    expect(hostFieldMatches(field, name)).toBe(expected)
  })

  it('refuses a malformed hashed name', () => {
    expect(() => hostFieldMatches('|1|abc|def', NODE)).toThrow(/\|1\|SALT\|HASH/)
    expect(() => hostFieldMatches('|2|h9k3K3MGKfgb1KtIKbE6UacfGsA=|x', NODE)).toThrow()
  })
})

describe('globMatches', () => {
  it.each<[string, string, boolean]>([
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['???', 'abc', true],
    ['???', 'ab', false],
    ['a.c', 'abc', false]
  ])('%s vs %s → %s', (pattern, s, expected) => {
    expect(globMatches(pattern, s)).toBe(expected)
  })

  it('has no exponential backtracking', () => {
    const started = Date.now()
    expect(globMatches('a*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false)
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

const pins = (input: string, host = NODE, port = 22) => {
  const p = parseHostKeys(input, host, port)
  return {
    trusted: Object.fromEntries(p.fingerprints) as Record<string, readonly string[] | undefined>,
    revoked: [...p.revoked],
    other: p.otherHosts
  }
}

describe('parseHostKeys: which lines pin which host', () => {
  it.each<[string, string, number, ReturnType<typeof pins>]>([
    ['a line for this host', `${NODE} ${ED}`, 22, t({ [ED_FP]: ['ssh-ed25519'] })],
    ['a line for another host', `other.example.com ${ED}`, 22, t({}, [], 1)],
    ['a line for this host on port 22 only', `${NODE} ${ED}`, 2222, t({}, [], 1)],
    ['[host]:port', `[${NODE}]:2222 ${ED}`, 2222, t({ [ED_FP]: ['ssh-ed25519'] })],
    ['a hashed name', `${HASHED_22} ${ED}`, 22, t({ [ED_FP]: ['ssh-ed25519'] })],
    ['a hashed [host]:port', `${HASHED_2222} ${RSA}`, 2222, t({ [RSA_FP]: ['ssh-rsa'] })],
    ['a pattern', `*.example.com ${ECDSA}`, 22, t({ [ECDSA_FP]: ['ecdsa-sha2-nistp256'] })],
    ['a negated pattern', `*.example.com,!${NODE} ${ED}`, 22, t({}, [], 1)],
    [
      'lines for several hosts, one of them this',
      `a.example.com ${ED}\n${NODE} ${RSA}\nb.example.com ${ECDSA}`,
      22,
      t({ [RSA_FP]: ['ssh-rsa'] }, [], 2)
    ],
    ['a bare key (a .pub line), any host', `${ED} root@node`, 22, t({ [ED_FP]: ['ssh-ed25519'] })],
    ['a bare fingerprint, any type', ED_FP, 22, t({ [ED_FP]: undefined })],
    ['ssh-keygen -l output', `256 ${ED_FP} ${NODE} (ED25519)`, 22, t({ [ED_FP]: ['ssh-ed25519'] })],
    ['ssh-keygen -l output, RSA', `3072 ${RSA_FP} x (RSA)`, 22, t({ [RSA_FP]: ['ssh-rsa'] })],
    [
      'ssh-keygen -l output, ECDSA (any curve)',
      `256 ${ECDSA_FP} x (ECDSA)`,
      22,
      t({
        [ECDSA_FP]: ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']
      })
    ],
    [
      'ssh-keyscan output with its comments, CRLF',
      `# ${NODE}:22 SSH-2.0-OpenSSH_9.2\r\n${NODE} ${ED}\r\n\r\n`,
      22,
      t({ [ED_FP]: ['ssh-ed25519'] })
    ],
    [
      '@revoked for this host',
      `@revoked * ${RSA}\n${NODE} ${ED}`,
      22,
      t({ [ED_FP]: ['ssh-ed25519'] }, [RSA_FP])
    ],
    [
      '@revoked for another host',
      `@revoked other.example.com ${RSA}\n${NODE} ${RSA}`,
      22,
      t({ [RSA_FP]: ['ssh-rsa'] }, [], 1)
    ],
    [
      '@revoked and trusted by another line: revoked, not trusted',
      `@revoked ${NODE} ${ED}\n${ED_FP}\n${NODE} ${RSA}`,
      22,
      t({ [RSA_FP]: ['ssh-rsa'] }, [ED_FP])
    ],
    [
      'an ssh-dss line for another host is ignored',
      `other ssh-dss AAAAB3NzaC1kc3M=\n${ED_FP}`,
      22,
      t({ [ED_FP]: undefined }, [], 1)
    ]
  ])('%s', (_name, input, port, expected) => {
    expect(pins(input, NODE, port)).toEqual(expected)
  })

  function t(
    trusted: Record<string, readonly string[] | undefined>,
    revoked: string[] = [],
    other = 0
  ): ReturnType<typeof pins> {
    return { trusted, revoked, other }
  }
})

describe('parseHostKeys: what is refused, with a clear message that does not repeat the input', () => {
  const secretish = 'zz-do-not-echo-zz'
  it.each<[string, string, RegExp]>([
    ['empty', '\n# only a comment\n', /host-key is empty/],
    [
      '@cert-authority',
      `@cert-authority *.example.com ${ED}`,
      /@cert-authority lines \(host certificates\) are not supported/
    ],
    ['an unknown marker', `@${secretish} ${NODE} ${ED}`, /host-key line 1: unknown marker/],
    [
      'an MD5 fingerprint',
      `2048 MD5:aa:bb:${secretish} x (RSA)`,
      /MD5 fingerprints are not accepted/
    ],
    ['a bare MD5 fingerprint', '16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48', /MD5/],
    ['garbage on line 3', `${NODE} ${ED}\n\n${secretish} here`, /host-key line 3 cannot be read/],
    ['a damaged key', `${NODE} ssh-rsa ${ED.split(' ')[1]}`, /line 1: its ssh-rsa key is damaged/],
    ['a truncated line', `${NODE} ssh-ed25519`, /line 1 cannot be read/],
    [
      'an ssh-dss line for this host',
      `${NODE} ssh-dss AAAAB3NzaC1kc3M=`,
      /ssh-dss host keys cannot be checked here/
    ],
    ['a malformed hashed name', `|1|${secretish}|x ${ED}`, /\|1\|SALT\|HASH/]
  ])('%s', (_name, input, message) => {
    let error: Error | undefined
    try {
      parseHostKeys(input, NODE, 22)
    } catch (e) {
      error = e as Error
    }
    expect(error?.message).toMatch(message)
    expect(error?.message).not.toContain(secretish)
    expect(error?.name).toBe('InputError')
  })
})

describe('nextOffer: one handshake per key type at most', () => {
  const p = (input?: string): HostKeyPins | undefined =>
    input === undefined ? undefined : parseHostKeys(input, NODE, 22)
  const ALL = [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'ssh-rsa'
  ]
  it.each<[string, string | undefined, string[], string[] | undefined]>([
    ['no host-key: every type, once', undefined, [], ALL],
    ['no host-key, after the first key', undefined, ['ssh-ed25519'], undefined],
    ['a typed ed25519 pin', `${NODE} ${ED}`, [], ['ssh-ed25519']],
    [
      'a typed pin whose type was presented: a mismatch, no retry',
      `${NODE} ${ED}`,
      ['ssh-ed25519'],
      undefined
    ],
    ['an ECDSA fingerprint: its three curves', `256 ${ECDSA_FP} x (ECDSA)`, [], ALL.slice(1, 4)],
    ['a bare fingerprint: every type', RSA_FP, [], ALL],
    ['a bare fingerprint after ed25519', RSA_FP, ['ssh-ed25519'], ALL.slice(1)],
    ['a bare fingerprint after every type', RSA_FP, ALL, undefined],
    [
      'typed types first, then the rest for a bare fingerprint',
      `${NODE} ${RSA}\n${ED_FP}`,
      [],
      ['ssh-rsa', ...ALL.slice(0, 4)]
    ],
    [
      'a presented type a typed pin names ends the search',
      `${NODE} ${RSA}\n${ED_FP}`,
      ['ssh-rsa'],
      undefined
    ],
    ['only lines for other hosts: one handshake to show the key', `other ${ED}`, [], ALL],
    ['only lines for other hosts, after it', `other ${ED}`, ['ssh-ed25519'], undefined]
  ])('%s', (_name, input, presented, types) => {
    expect(nextOffer(p(input), new Set(presented))?.types).toEqual(types)
  })

  it('offers the SHA-2 signatures for RSA before ssh-rsa', () => {
    expect(nextOffer(p(`${NODE} ${RSA}`), new Set())?.algorithms).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa'
    ])
  })
})
