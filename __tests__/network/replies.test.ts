import { parseNetworkSettings } from '../../src/settings/network.js'
import { judgePeers } from '../../src/operations/network.js'
import {
  parseHealth,
  parsePeers,
  parseValidator,
  rpcResult,
  splitAddrPort,
  validatorJson,
  validatorLine
} from '../../src/network/replies.js'

const ID = 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg'
const OTHER = 'NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ'
const PK = '0x' + 'a1'.repeat(48)

/** A peer as avalanchego's network/peer/info.go Info marshals it. */
const peer = (nodeID: string, ip: string, publicIP = '') => ({
  ip,
  publicIP,
  nodeID,
  version: 'avalanchego/1.14.2',
  upgradeTime: 1765000000,
  lastSent: '2026-11-26T10:00:00Z',
  lastReceived: '2026-11-26T10:00:00Z',
  observedUptime: '100',
  trackedSubnets: [],
  supportedACPs: [],
  objectedACPs: [],
  benched: []
})

/** A validator as vms/platformvm/api PermissionlessValidator marshals it. */
const validator = (over: Record<string, unknown> = {}) => ({
  txID: '2NNkpYTGfTFLSGXJcHtVv6drwVU2cczhmjK2uhvwDyxwsjzZMm',
  startTime: '1767225600',
  endTime: '1803859200',
  weight: '2000000000000',
  nodeID: ID,
  potentialReward: '12345',
  accruedDelegateeReward: '0',
  delegationFee: '2.0000',
  uptime: '99.2345',
  connected: true,
  signer: { publicKey: PK, proofOfPossession: '0x' + 'b2'.repeat(96) },
  delegatorCount: '0',
  delegatorWeight: '0',
  ...over
})

describe('rpcResult: strict JSON-RPC 2.0', () => {
  it.each([
    ['the result', '{"jsonrpc":"2.0","id":3,"result":{"a":1}}', { a: 1 }],
    ['a null result', '{"jsonrpc":"2.0","id":3,"result":null}', null]
  ])('%s', (_, body, want) => expect(rpcResult(body, 3, 'm')).toEqual(want))

  it.each([
    ['not JSON', 'Unsupported Media Type', /without JSON/],
    ['no jsonrpc', '{"id":3,"result":{}}', /JSON-RPC 2.0/],
    ['another id', '{"jsonrpc":"2.0","id":4,"result":{}}', /JSON-RPC 2.0/],
    ['an empty body (a call without id)', '', /without JSON/],
    [
      'an error, its code and message',
      '{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"method not found"}}',
      /m failed \(code -32000\): method not found/
    ],
    [
      'an error with a control character',
      '{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"x\\n::error::y"}}',
      /x\?::error::y$/
    ],
    ['no result', '{"jsonrpc":"2.0","id":3}', /without a result/]
  ])('refuses %s', (_, body, want) => expect(() => rpcResult(body, 3, 'm')).toThrow(want))
})

describe('parsePeers (info.peers)', () => {
  it.each([
    ['no peers', { numPeers: '0', peers: [] }, []],
    [
      'one, from an IPv4 address',
      { numPeers: '1', peers: [peer(ID, '203.0.113.7:9651')] },
      [{ ip: '203.0.113.7', port: 9651 }]
    ],
    [
      'one with a claimed public IP that differs',
      { numPeers: '1', peers: [peer(ID, '10.0.0.5:40000', '203.0.113.7:9651')] },
      [{ ip: '10.0.0.5', port: 40000, publicIp: '203.0.113.7' }]
    ],
    [
      'IPv6',
      { numPeers: '1', peers: [peer(ID, '[2001:DB8::1]:9651')] },
      [{ ip: '2001:db8::1', port: 9651 }]
    ],
    [
      'a node that ignored the filter: only the NodeID asked about',
      { numPeers: '2', peers: [peer(OTHER, '198.51.100.1:9651'), peer(ID, '203.0.113.7:9651')] },
      [{ ip: '203.0.113.7', port: 9651 }]
    ]
  ])('%s', (_, result, want) => expect(parsePeers(result, ID)).toEqual(want))

  it.each([
    ['no list', { numPeers: '0' }],
    ['a peer without an address', { peers: [{ ...peer(ID, ''), ip: 7 }] }],
    ['an address without a port', { peers: [peer(ID, '203.0.113.7')] }]
  ])('refuses %s', (_, result) => expect(() => parsePeers(result, ID)).toThrow())

  it.each([
    ['1.2.3.4:9651', { ip: '1.2.3.4', port: 9651 }],
    ['[::1]:1', { ip: '::1', port: 1 }],
    ['', undefined],
    ['host.example:9651', undefined]
  ])('splitAddrPort(%p)', (text, want) => expect(splitAddrPort(text)).toEqual(want))
})

describe('parseValidator (platform.getCurrentValidators)', () => {
  it('a validator with its registered key, times, weight, uptime, connected', () => {
    const v = parseValidator({ validators: [validator()] }, ID)
    expect(v).toEqual({
      nodeId: ID,
      blsPublicKey: PK,
      startTime: 1767225600,
      endTime: 1803859200,
      weight: '2000000000000',
      uptime: 99.2345,
      connected: true
    })
    expect(validatorLine(v!)).toBe('validator until 2027-03-01, uptime 99.2 %')
    expect(validatorJson(v!)).toEqual({
      nodeId: ID,
      blsPublicKey: PK,
      startTime: '2026-01-01T00:00:00.000Z',
      endTime: '2027-03-01T00:00:00.000Z',
      weight: '2000000000000',
      uptime: 99.2345,
      connected: true
    })
  })

  it.each([
    ['not a validator (the API omits it)', { validators: [] }, undefined],
    ['only another validator', { validators: [validator({ nodeID: OTHER })] }, undefined]
  ])('%s', (_, result, want) => expect(parseValidator(result, ID)).toEqual(want))

  it('a validator added before BLS keys: no signer, no uptime on a subnet', () => {
    const { signer: _s, uptime: _u, connected: _c, ...old } = validator()
    const v = parseValidator({ validators: [old] }, ID)!
    expect(v.blsPublicKey).toBeUndefined()
    expect(validatorLine({ ...v, connected: false })).toBe(
      'validator until 2027-03-01, not connected'
    )
  })

  it.each([
    ['no list', {}],
    ['a number where avalanchego writes a string', { validators: [validator({ endTime: 5 })] }],
    ['a short key', { validators: [validator({ signer: { publicKey: '0x12' } })] }],
    ['an uptime that is not a number', { validators: [validator({ uptime: 'high' })] }]
  ])('refuses %s', (_, result) => expect(() => parseValidator(result, ID)).toThrow())
})

describe('parseHealth (/ext/health)', () => {
  it('each check by name, the failing ones with their error', () => {
    const body = JSON.stringify({
      checks: {
        network: { message: {}, timestamp: '2026-11-26T10:00:00Z', duration: 1000 },
        bls: {
          error: 'node has BLS key 0x1, but is registered to the validator set with 0x2',
          timestamp: '2026-11-26T10:00:00Z',
          duration: 1000,
          contiguousFailures: 3,
          timeOfFirstFailure: '2026-11-26T09:59:00Z'
        }
      },
      healthy: false
    })
    expect(parseHealth(body)).toEqual({
      healthy: false,
      checks: [
        {
          name: 'bls',
          ok: false,
          error: 'node has BLS key 0x1, but is registered to the validator set with 0x2'
        },
        { name: 'network', ok: true }
      ]
    })
  })

  it.each(['', '{"healthy":true}', '{"checks":{},"healthy":"yes"}'])('refuses %p', body =>
    expect(() => parseHealth(body)).toThrow()
  )
})

describe('judgePeers: one NodeID in one place', () => {
  const at = (ip: string, publicIp?: string) => ({
    ip,
    port: 9651,
    ...(publicIp ? { publicIp } : {})
  })
  it.each([
    ['not connected', [], ['192.0.2.1'], false, { verdict: 'nowhere' }],
    ['from the target', [at('192.0.2.1')], ['192.0.2.1'], false, { verdict: 'target' }],
    [
      'from the target by its claimed address',
      [at('10.0.0.1', '192.0.2.1')],
      ['192.0.2.1'],
      false,
      { verdict: 'target' }
    ],
    [
      'from elsewhere while the target runs another NodeID',
      [at('203.0.113.7')],
      ['192.0.2.1'],
      false,
      { verdict: 'elsewhere', at: '203.0.113.7' }
    ],
    [
      'from elsewhere, the target this machine (no address known)',
      [at('203.0.113.7')],
      [],
      false,
      { verdict: 'elsewhere', at: '203.0.113.7' }
    ],
    [
      'from elsewhere while the target runs this NodeID too (NAT?)',
      [at('203.0.113.7')],
      ['10.0.1.12'],
      true,
      { verdict: 'unsure', at: '203.0.113.7' }
    ]
  ])('%s', (_, peers, mine, runs, want) =>
    expect(judgePeers(peers as never, mine, runs)).toEqual(want)
  )
})

describe('parseNetworkSettings: every network input checked before anything connects', () => {
  const parse = (values: Record<string, string>) =>
    parseNetworkSettings({
      get: n => values[n] ?? '',
      secret: n => values[n] ?? '',
      bool: n => values[n] === 'true',
      label: n => n
    })
  it('defaults: nothing asked', () => {
    expect(parse({})).toEqual({
      require: false,
      oldHosts: [],
      allowRunningElsewhere: false,
      waitHealthyMs: 0
    })
  })
  it.each([
    ['https', 'https://api.avax.network', 'https://api.avax.network/'],
    ['https with a path', 'https://rpc.example/some/prefix/', 'https://rpc.example/some/prefix/'],
    ['http on loopback', 'http://127.0.0.1:9650', 'http://127.0.0.1:9650/'],
    ['http on IPv6 loopback', 'http://[::1]:9650', 'http://[::1]:9650/'],
    ['http on localhost', 'http://localhost:9650', 'http://localhost:9650/']
  ])('network-api: %s', (_, raw, href) => {
    expect(parse({ 'network-api': raw }).apiUrl?.href).toBe(href)
  })
  it.each([
    ['not a URL', 'api.avax.network', /not a URL/],
    [
      'http across a network',
      'http://203.0.113.7:9650',
      /http:\/\/ is allowed only for a loopback/
    ],
    ['http on a link-local address', 'http://169.254.3.2:9650', /only for a loopback/],
    ['another scheme', 'ftp://api.avax.network', /must be an https/],
    ['a password', 'https://u:sekrit-value@api.avax.network', /no user, password/],
    ['a query', 'https://api.avax.network/?key=sekrit-value', /no user, password, query/]
  ])('network-api refuses %s, without quoting it', (_, raw, want) => {
    const e = (() => {
      try {
        parse({ 'network-api': raw })
      } catch (x) {
        return x as Error
      }
    })()
    expect(e?.name).toBe('InputError')
    expect(e?.message).toMatch(want)
    expect(e?.message).not.toContain('sekrit')
    expect(e?.message).not.toContain('203.0.113.7')
  })
  it('old-hosts: host[:port] one per line, default port 9651', () => {
    expect(
      parse({ 'old-hosts': 'old.example\n203.0.113.7:19651\n[2001:db8::1]:9651' }).oldHosts
    ).toEqual([
      { host: 'old.example', port: 9651 },
      { host: '203.0.113.7', port: 19651 },
      { host: '2001:db8::1', port: 9651 }
    ])
  })
  it.each([
    [
      'old-hosts',
      { 'old-hosts': 'ok.example\nhttp://x' },
      /old-hosts: entry 2 is not host\[:port\]/
    ],
    ['old-hosts port', { 'old-hosts': 'x:70000' }, /entry 1/],
    [
      'wait-healthy',
      { 'wait-healthy': '-1' },
      /wait-healthy must be a whole number from 0 to 86400/
    ],
    ['wait-healthy', { 'wait-healthy': '1.5' }, /wait-healthy/],
    ['require without an API', { 'require-network-checks': 'true' }, /needs network-api/]
  ])('refuses %s', (_, values, want) => expect(() => parse(values)).toThrow(want))
})
