import { generateKeyPairSync } from 'node:crypto'
import { parseHostSettings, type HostSettings } from '../../src/settings/host.js'
import { checkPrivateKey } from '../../src/transport/private-key.js'

// A private key ssh2 reads (PKCS#1 PEM), made here: no key material lives in the repository.
const KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString()
const PUBLIC =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIMiT+UyBJtXpfjnoKIDXV+4seUvGG940h++0dlkDfZ4 me@laptop'
const HOST_KEY = `SHA256:${'A'.repeat(43)}`
const JUMP_KEY_LINE =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIMiT+UyBJtXpfjnoKIDXV+4seUvGG940h++0dlkDfZ4'

/** parseHostSettings over plain values, as the action's inputs or the CLI's flags give them. */
function settings(values: Record<string, string>): HostSettings {
  const base: Record<string, string> = {
    host: 'node.example.com',
    username: 'ubuntu',
    'ssh-key': KEY,
    'host-key': HOST_KEY
  }
  const all = { ...base, ...values }
  return parseHostSettings(
    {
      get: n => all[n] ?? '',
      secret: n => all[n] ?? '',
      bool: n => all[n] === 'true',
      label: n => n
    },
    checkPrivateKey
  )
}

const ssh = (values: Record<string, string>) => {
  const t = settings(values).target
  if (t.kind !== 'ssh') throw new Error('not ssh')
  return t.ssh
}

function refusal(values: Record<string, string>): string {
  try {
    settings(values)
  } catch (e) {
    expect((e as Error).name).toBe('InputError')
    return (e as Error).message
  }
  throw new Error('accepted')
}

describe('SSH inputs: the key mistakes operators make, explained before connecting', () => {
  const flattened = KEY.trim().replace(/\n/g, ' ')
  const body = KEY.split('\n')[5]!

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'a public key as ssh-key',
      { 'ssh-key': PUBLIC },
      /^ssh-key is a public key \(the \.pub file\)\. Give the private key/
    ],
    [
      'a PEM public key as ssh-key',
      { 'ssh-key': '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n' },
      /^ssh-key is a public key/
    ],
    [
      'a private key with its newlines turned into spaces',
      { 'ssh-key': flattened },
      /^ssh-key has its line breaks turned into spaces/
    ],
    [
      'a private key with its newlines written as \\n',
      { 'ssh-key': KEY.trim().replace(/\n/g, '\\n') },
      /^ssh-key has its line breaks written as \\n \(two characters\)/
    ],
    [
      'the same for proxy-ssh-key',
      { 'proxy-host': 'jump.example.com', 'proxy-host-key': HOST_KEY, 'proxy-ssh-key': flattened },
      /^proxy-ssh-key has its line breaks turned into spaces/
    ],
    [
      'a public key as proxy-ssh-key',
      { 'proxy-host': 'jump.example.com', 'proxy-host-key': HOST_KEY, 'proxy-ssh-key': PUBLIC },
      /^proxy-ssh-key is a public key/
    ]
  ])('%s', (_name, values, message) => {
    const m = refusal(values)
    expect(m).toMatch(message)
    expect(m).not.toContain(body)
    expect(m).not.toContain('AAAAC3NzaC1lZDI1NTE5')
  })
})

describe('connect-timeout', () => {
  it.each<[string | undefined, number]>([
    [undefined, 20_000],
    ['5', 5_000],
    ['3600', 3_600_000]
  ])('%s → %d ms', (value, ms) => {
    expect(ssh(value === undefined ? {} : { 'connect-timeout': value }).connectTimeoutMs).toBe(ms)
  })

  it.each(['0', '-1', '1.5', 'ten', '3601'])('refuses %s', value => {
    expect(refusal({ 'connect-timeout': value })).toBe(
      'connect-timeout must be a whole number from 1 to 3600 (seconds).'
    )
  })
})

describe('the jump host inputs', () => {
  it("takes the node's user and key unless its own are given; its host key pins its own name and port", () => {
    const s = ssh({
      'proxy-host': 'jump.example.com',
      'proxy-port': '2222',
      'proxy-host-key': `[jump.example.com]:2222 ${JUMP_KEY_LINE}\nnode.example.com ${JUMP_KEY_LINE}`
    })
    expect(s.proxy).toMatchObject({
      host: 'jump.example.com',
      port: 2222,
      username: 'ubuntu',
      privateKey: KEY.trim() + '\n'
    })
    expect(s.proxy?.hostKeys?.fingerprints.size).toBe(1)
    expect(s.proxy?.hostKeys?.otherHosts).toBe(1)
    // The node's own pins are not the jump host's.
    expect([...(s.hostKeys?.fingerprints.keys() ?? [])]).toEqual([HOST_KEY])
  })

  it('its own user', () => {
    const s = ssh({ 'proxy-host': 'jump.example.com', 'proxy-username': 'bastion' })
    expect(s.proxy?.username).toBe('bastion')
    expect(s.proxy?.port).toBe(22)
    // Without proxy-host-key the connection shows the jump host's key and refuses (tested on hosts).
    expect(s.proxy?.hostKeys).toBeUndefined()
  })

  it.each<[Record<string, string>, string]>([
    [{ host: '', 'proxy-host': 'jump.example.com' }, 'proxy-host goes with host'],
    [{ 'proxy-username': 'bastion' }, 'proxy-username needs proxy-host'],
    [{ 'proxy-host-key': HOST_KEY }, 'proxy-host-key needs proxy-host'],
    [{ 'proxy-ssh-key': KEY }, 'proxy-ssh-key needs proxy-host'],
    [{ 'proxy-host': 'jump.example.com', 'proxy-port': '0' }, 'proxy-port must be a whole number'],
    [
      { 'proxy-host': 'jump.example.com', 'proxy-host-key': '@cert-authority * ' + JUMP_KEY_LINE },
      'proxy-host-key line 1: @cert-authority lines (host certificates) are not supported'
    ]
  ])('refuses %j', (values, message) => {
    expect(refusal(values)).toContain(message)
  })

  it('a proxy-port alone (the action always passes its default) is not an error', () => {
    expect(ssh({ 'proxy-port': '22' }).proxy).toBeUndefined()
  })
})
