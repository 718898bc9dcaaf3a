import { InputError } from '../../src/errors.js'
import { parseKeystoreUsers, type KeystoreCredential } from '../../src/settings/keystore-users.js'
import { RpcUnavailable, type NodeApi } from '../../src/node/api.js'
import { exportUsers, importUsers, keystoreAvailability } from '../../src/node/keystore.js'

// Every password here contains SECRET: no message may.
const fail = (m: string) => new InputError(m)

function refusal(text: string): Error {
  try {
    parseKeystoreUsers(text, fail)
  } catch (e) {
    return e as Error
  }
  throw new Error('accepted')
}

describe('parseKeystoreUsers: keystore-users is a JSON list of {username, password}', () => {
  it.each<[string, string, KeystoreCredential[]]>([
    [
      'one user',
      '[{"username": "alice", "password": "SECRET-a"}]',
      [{ username: 'alice', password: 'SECRET-a' }]
    ],
    [
      'two users, in their order',
      '[{"username":"bob","password":"SECRET-b"},{"username":"alice","password":"SECRET-a"}]',
      [
        { username: 'bob', password: 'SECRET-b' },
        { username: 'alice', password: 'SECRET-a' }
      ]
    ],
    [
      'surrounded by white space and line breaks',
      '\n  [\n  {"username": "alice", "password": "SECRET-a"}\n]\n',
      [{ username: 'alice', password: 'SECRET-a' }]
    ],
    [
      'other fields dropped',
      '[{"username": "alice", "password": "SECRET-a", "note": "x", "user": "0xdead"}]',
      [{ username: 'alice', password: 'SECRET-a' }]
    ],
    [
      'names and passwords kept as written (spaces, non-ASCII)',
      '[{"username": " Zoë 1 ", "password": " SECRET ✓ "}]',
      [{ username: ' Zoë 1 ', password: ' SECRET ✓ ' }]
    ],
    ['an empty list', '[]', []]
  ])('%s', (_what, text, users) => {
    const got = parseKeystoreUsers(text, fail)
    expect(got).toEqual(users)
    for (const u of got) expect(Object.keys(u).sort()).toEqual(['password', 'username'])
  })

  const NOT_JSON = 'keystore-users must be JSON: [{"username": "…", "password": "…"}, …]'
  const NOT_A_LIST = 'keystore-users must be a JSON list of {"username": "…", "password": "…"}'

  it.each<[string, string, string]>([
    ['empty', '', NOT_JSON],
    ['plain text', 'alice:SECRET-a', NOT_JSON],
    ['cut short', '[{"username": "alice", "password": "SECRET-a"', NOT_JSON],
    ['single quotes', "[{'username': 'alice', 'password': 'SECRET-a'}]", NOT_JSON],
    ['a trailing comma', '[{"username": "alice", "password": "SECRET-a"},]', NOT_JSON],
    ['null', 'null', NOT_A_LIST],
    ['a string', '"SECRET-a"', NOT_A_LIST],
    ['one object, not in a list', '{"username": "alice", "password": "SECRET-a"}', NOT_A_LIST],
    ['a list holding null', '[null]', NOT_A_LIST],
    ['a list of strings', '["alice", "SECRET-a"]', NOT_A_LIST],
    ['a list of lists', '[["alice", "SECRET-a"]]', NOT_A_LIST],
    ['no username', '[{"password": "SECRET-a"}]', NOT_A_LIST],
    ['an empty username', '[{"username": "", "password": "SECRET-a"}]', NOT_A_LIST],
    ['a username that is a number', '[{"username": 7, "password": "SECRET-a"}]', NOT_A_LIST],
    ['no password', '[{"username": "alice"}]', NOT_A_LIST],
    ['a password that is a number', '[{"username": "alice", "password": 1234}]', NOT_A_LIST],
    ['a password that is null', '[{"username": "alice", "password": null}]', NOT_A_LIST],
    [
      'one good user and one without a password',
      '[{"username": "alice", "password": "SECRET-a"}, {"username": "bob"}]',
      NOT_A_LIST
    ]
  ])('%s: refused, nothing of it quoted', (_what, text, message) => {
    const e = refusal(text)
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toBe(message)
    expect(e.message).not.toContain('SECRET')
    expect(e.message).not.toContain('alice')
  })
})

type Call = { path: string; method: string; params: Record<string, unknown> }

/**
 * NodeApi as keystore.ts uses it: rpc() only, answered by `answer` (a value, or an Error to
 * throw). Each call is recorded.
 */
function nodeApi(answer: (c: Call) => unknown): { api: NodeApi; calls: Call[] } {
  const calls: Call[] = []
  const api = {
    async rpc(path: string, method: string, params: Record<string, unknown> = {}) {
      const c = { path, method, params }
      calls.push(c)
      const a = answer(c)
      if (a instanceof Error) throw a
      return a
    }
  }
  return { api: api as unknown as NodeApi, calls }
}

describe('keystoreAvailability: whether the node has a Keystore API (removed in v1.12.2)', () => {
  const serves = () => ({ users: [] })
  const notServed = () => new RpcUnavailable('/ext/keystore is not served (the API is not enabled)')

  it.each<[string, unknown, () => unknown]>([
    ['v1.12.1, serving it', { version: 'avalanchego/1.12.1' }, serves],
    // Compared as numbers: as text, 1.9 would sort after 1.12.
    ['v1.9.16, serving it', { version: 'avalanchego/1.9.16' }, serves],
    ['a node without info.getNodeVersion, serving it', new Error('method not found'), serves],
    ['a version that is not a version, serving it', { version: 'avalanchego/dev' }, serves],
    ['no version in the answer, serving it', {}, serves]
  ])('%s: available, after asking the keystore', async (_what, version, keystore) => {
    const { api, calls } = nodeApi(c => (c.path === '/ext/info' ? version : keystore()))
    expect(await keystoreAvailability(api)).toEqual({ available: true })
    expect(calls.map(c => `${c.path} ${c.method}`)).toEqual([
      '/ext/info info.getNodeVersion',
      '/ext/keystore keystore.listUsers'
    ])
  })

  it.each<[string]>([['avalanchego/1.12.2'], ['avalanchego/1.13.0'], ['avalanchego/2.0.0']])(
    '%s: none, without asking the keystore',
    async version => {
      const { api, calls } = nodeApi(c => (c.path === '/ext/info' ? { version } : serves()))
      expect(await keystoreAvailability(api)).toEqual({
        available: false,
        why: `${version} has no Keystore API (removed in v1.12.2): there are no keystore users to carry`
      })
      expect(calls.map(c => c.path)).toEqual(['/ext/info'])
    }
  )

  it.each<[string, unknown, string]>([
    ['a version before v1.12.2', { version: 'avalanchego/1.11.13' }, 'avalanchego/1.11.13'],
    ['a node without info.getNodeVersion', new Error('method not found'), 'the node']
  ])('%s, not serving it: none, and why', async (_what, version, named) => {
    const { api } = nodeApi(c => (c.path === '/ext/info' ? version : notServed()))
    expect(await keystoreAvailability(api)).toEqual({
      available: false,
      why: `${named} does not serve the Keystore API (not started with --api-keystore-enabled): there are no keystore users to carry`
    })
  })

  it('any other failure of the keystore is not an answer: it is thrown', async () => {
    const lost = new Error('the SSH connection was lost')
    const { api } = nodeApi(c =>
      c.path === '/ext/info' ? { version: 'avalanchego/1.11.0' } : lost
    )
    await expect(keystoreAvailability(api)).rejects.toBe(lost)
  })
})

const alice = { username: 'alice', password: 'SECRET-a' }
const bob = { username: 'bob', password: 'SECRET-b' }

describe('exportUsers and importUsers', () => {
  it('exports each user with its own password, as hex', async () => {
    const { api, calls } = nodeApi(c =>
      c.params.username === 'alice' ? { user: '0xaa', encoding: 'hex' } : { user: '0xbb' }
    )
    expect(await exportUsers(api, [alice, bob])).toEqual([
      { username: 'alice', user: '0xaa', encoding: 'hex' },
      { username: 'bob', user: '0xbb', encoding: 'hex' }
    ])
    expect(calls).toEqual([
      {
        path: '/ext/keystore',
        method: 'keystore.exportUser',
        params: { ...alice, encoding: 'hex' }
      },
      { path: '/ext/keystore', method: 'keystore.exportUser', params: { ...bob, encoding: 'hex' } }
    ])
  })

  it('a refused export names the user and the reason, never the password', async () => {
    const { api } = nodeApi(c =>
      c.params.username === 'bob' ? new Error('incorrect password') : { user: '0xaa' }
    )
    const e = await exportUsers(api, [alice, bob]).then(
      () => undefined,
      (e: Error) => e
    )
    expect(e?.message).toBe("keystore.exportUser for 'bob' failed: incorrect password")
    expect(e?.message).not.toContain('SECRET')
  })

  const exported = [
    { username: 'alice', user: '0xaa', encoding: 'hex' },
    { username: 'bob', user: '0xbb', encoding: 'cb58' }
  ]

  it('imports each user with its own password and encoding', async () => {
    const { api, calls } = nodeApi(() => ({ success: true }))
    expect(await importUsers(api, exported, [bob, alice])).toEqual(['alice', 'bob'])
    expect(calls.map(c => c.params)).toEqual([
      { ...alice, user: '0xaa', encoding: 'hex' },
      { ...bob, user: '0xbb', encoding: 'cb58' }
    ])
  })

  it('a user the node already has is left as it is, and said so', async () => {
    const { api } = nodeApi(c =>
      c.params.username === 'alice' ? new Error('user already exists: alice') : { success: true }
    )
    expect(await importUsers(api, exported, [alice, bob])).toEqual(['alice (already there)', 'bob'])
  })

  it.each<[string, (c: Call) => unknown, KeystoreCredential[], string]>([
    [
      'a user of the archive with no password given: refused before importing it',
      () => ({ success: true }),
      [alice],
      "keystore-users has no password for 'bob', which the archive holds"
    ],
    [
      'a refused import: the user and the reason',
      c => (c.params.username === 'bob' ? new Error('password is too weak') : { success: true }),
      [alice, bob],
      "keystore.importUser for 'bob' failed: password is too weak"
    ]
  ])('%s', async (_what, answer, users, message) => {
    const { api } = nodeApi(answer)
    const e = await importUsers(api, exported, users).then(
      () => undefined,
      (e: Error) => e
    )
    expect(e?.message).toBe(message)
    expect(e?.message).not.toContain('SECRET')
  })
})
