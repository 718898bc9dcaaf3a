// wait-healthy against a real HTTP server on loopback, through the local transport: the branches
// the simulated node cannot show (it never fails its bls check), and health that turns healthy.

import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { localTransport } from '../../src/transport/local.js'
import type { Log } from '../../src/log.js'
import { NodeApi } from '../../src/node/api.js'
import { RestoreNetworkChecks } from '../../src/operations/network.js'

const WRONG_KEY = 'node has BLS key 0xaa, but is registered to the validator set with 0xbb'

let server: Server
let answers: { status: number; body: object }[] = []
let asked = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    const a = answers[Math.min(asked++, answers.length - 1)]!
    res.writeHead(req.url === '/ext/health' ? a.status : 404, {
      'content-type': 'application/json'
    })
    res.end(JSON.stringify(a.body))
  })
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r))
})
afterAll(() => new Promise(r => server.close(r)))

function recorder() {
  const warnings: string[] = []
  const log: Log = {
    info: () => undefined,
    debug: () => undefined,
    warning: m => warnings.push(m),
    group: (_n, fn) => fn(),
    secret: () => {}
  }
  return { log, warnings }
}

async function wait(seconds: number) {
  const { log, warnings } = recorder()
  const checks = new RestoreNetworkChecks(
    { require: false, oldHosts: [], allowRunningElsewhere: false, waitHealthyMs: seconds * 1000 },
    () => Promise.resolve([]),
    log
  )
  const port = (server.address() as AddressInfo).port
  const api = new NodeApi(localTransport(), new URL(`http://127.0.0.1:${port}`), log)
  let detail = ''
  const report = await checks.waitHealthy(api, d => (detail = d))
  return { report, detail, warnings }
}

const check = (error?: string) => ({
  message: error ? undefined : {},
  ...(error ? { error } : {}),
  timestamp: '2026-11-26T10:00:00Z',
  duration: 1000
})

beforeEach(() => (asked = 0))

it('the bls check failing: a warning that names it and says what it means', async () => {
  answers = [
    { status: 503, body: { checks: { bls: check(WRONG_KEY), network: check() }, healthy: false } }
  ]
  const { report, detail, warnings } = await wait(1)
  expect(report?.healthy).toBe(false)
  expect(detail).toContain(`bls FAILING: ${WRONG_KEY}`)
  expect(warnings).toHaveLength(1)
  expect(warnings[0]).toContain(`failing checks: bls (${WRONG_KEY})`)
  expect(warnings[0]).toContain('runs a BLS key other than the one registered on the P-chain')
})

it('not healthy at first, then healthy: waits, no warning', async () => {
  answers = [
    {
      status: 503,
      body: { checks: { bls: check(), bootstrapped: check('not yet') }, healthy: false }
    },
    { status: 200, body: { checks: { bls: check(), bootstrapped: check() }, healthy: true } }
  ]
  const { report, detail, warnings } = await wait(30)
  expect(report?.healthy).toBe(true)
  expect(asked).toBeGreaterThanOrEqual(2)
  expect(detail).toBe('healthy; bls ok; bls, bootstrapped pass')
  expect(warnings).toEqual([])
})

it('no answer from /ext/health: a warning that says so', async () => {
  answers = [{ status: 200, body: { not: 'health' } }]
  const { warnings } = await wait(1)
  expect(warnings[0]).toContain('/ext/health does not answer')
})
