// npm run bench (part 2, as root): restore on test node hosts, the action against the backup
// guide's manual procedure, each on a fresh host of the same kind, interleaved, in one run.
// Prints a table and writes bench-results/restore.json. Nothing passes or fails on time.
//
// Manual procedure, scripted with OpenSSH as the guide writes it: ssh … sudo systemctl stop, scp
// the files into the staking directory, ssh … sudo systemctl start, then curl on the host through
// ssh until the NodeID answers. The guide's scp fails against the node's 0400 files (permission
// denied), so the script does what people then do by hand first: chmod u+w the files.

import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HOST_NODE, hostPrerequisites, startNodeHost, type NodeHost } from '../test-hosts/host.ts'

const ROOT = join(import.meta.dirname, '..')
const VECTORS = join(ROOT, '..', 'shared', 'vectors', 'avalanchego-local')
const RUNS = Number(process.env.BENCH_RESTORE_RUNS ?? 3)
const START_DELAY_MS = Number(process.env.BENCH_START_DELAY_MS ?? 1000)

const missing = hostPrerequisites()
if (missing) {
  console.log(`\nrestore benchmark skipped: it needs ${missing} (run npm run bench as root).`)
  process.exit(0)
}

const id = {
  crt: readFileSync(join(VECTORS, 'staker1.crt')),
  key: readFileSync(join(VECTORS, 'staker1.key')),
  signer: readFileSync(join(VECTORS, 'signer1.key')),
  nodeId: JSON.parse(readFileSync(join(VECTORS, 'expected.json'), 'utf8')).stakers[0]
    .nodeID as string
}
const work = mkdtempSync(join(tmpdir(), 'anb-bench-restore-'))
for (const [name, bytes] of [
  ['staker.crt', id.crt],
  ['staker.key', id.key],
  ['signer.key', id.signer]
] as const)
  writeFileSync(join(work, name), bytes)

interface Sample {
  endToEndMs: number
  downtimeMs: number
  nodeStartupMs: number
  nodeStopMs: number
  connections: number
}

/** The node's own log (its journal on the host), where the simulated node notes its times. */
function lastLogged(host: NodeHost, key: string): number {
  const journal = host.readFile('/run/anb-systemd/avalanchego.service.journal').toString()
  return Number([...journal.matchAll(new RegExp(`"${key}": (\\d+)`, 'g'))].at(-1)![1])
}

/** The node's own graceful stop in its last stop: from SIGTERM to its exit. */
const nodeStop = (host: NodeHost) => lastLogged(host, 'stopMs')

/** The node's own start-up in its last start: from its process start to its API answering. */
function nodeStartup(host: NodeHost): number {
  // The simulated node logs it when its API starts serving (process.json has avalanchego's own
  // shape, pid/uri/stakingAddress, and no room for it).
  return lastLogged(host, 'startupMs')
}

async function actionRestore(host: NodeHost): Promise<Sample> {
  const out = join(work, `out-${host.address}`)
  writeFileSync(out, '')
  const env = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: out,
    GITHUB_STEP_SUMMARY: '/dev/null',
    INPUT_MODE: 'restore',
    'INPUT_STAKER-CRT': id.crt.toString(),
    'INPUT_STAKER-KEY': id.key.toString(),
    'INPUT_SIGNER-KEY': id.signer.toString('base64'),
    'INPUT_EXPECTED-NODE-ID': id.nodeId,
    INPUT_HOST: host.address,
    INPUT_PORT: '22',
    INPUT_USERNAME: 'ubuntu',
    'INPUT_SSH-KEY': host.userKeys.ed25519.privateKey,
    'INPUT_HOST-KEY': host.knownHosts,
    'INPUT_STAKING-DIR': '~/.avalanchego/staking',
    'INPUT_SERVICE-NAME': 'avalanchego',
    INPUT_SUDO: 'auto',
    'INPUT_API-URL': 'http://127.0.0.1:9650',
    'INPUT_WAIT-TIMEOUT': '60',
    INPUT_FORCE: 'false',
    'INPUT_INSECURE-SKIP-HOST-KEY-CHECK': 'false'
  }
  const connections = host.sshConnections()
  const t = performance.now()
  const r = await run(HOST_NODE, [join(ROOT, 'dist', 'index.js')], env)
  const endToEndMs = performance.now() - t
  if (r !== 0) throw new Error(`the action's restore failed on ${host.address}`)
  const downtime = /downtime-ms<<(\S+)\n(\d+)\n/.exec(readFileSync(out, 'utf8'))?.[2]
  return {
    endToEndMs,
    downtimeMs: Number(downtime),
    nodeStartupMs: nodeStartup(host),
    nodeStopMs: nodeStop(host),
    connections: host.sshConnections() - connections
  }
}

async function manualRestore(host: NodeHost): Promise<Sample> {
  const ssh = (cmd: string) => run('ssh', [...host.sshArgs(), `ubuntu@${host.address}`, cmd])
  const connections = host.sshConnections()
  const t = performance.now()
  await ssh('sudo systemctl stop avalanchego')
  await ssh('chmod u+w ~/.avalanchego/staking/*')
  if (
    (await run('scp', [
      ...host.sshArgs(),
      '-q',
      join(work, 'staker.crt'),
      join(work, 'staker.key'),
      join(work, 'signer.key'),
      `ubuntu@${host.address}:/home/ubuntu/.avalanchego/staking`
    ])) !== 0
  )
    throw new Error('scp failed')
  await ssh('sudo systemctl start avalanchego')
  const curl = `curl -s -X POST --data '{"jsonrpc":"2.0","id":1,"method":"info.getNodeID"}' -H 'content-type:application/json;' 127.0.0.1:9650/ext/info`
  for (;;) {
    const r = spawnSync('ssh', [...host.sshArgs(), `ubuntu@${host.address}`, curl], {
      encoding: 'utf8'
    })
    if (r.stdout.includes(id.nodeId)) break
    if (performance.now() - t > 60_000) throw new Error('manual restore: the node never answered')
    await new Promise(res => setTimeout(res, 250))
  }
  const done = performance.now()
  // Down from the node's SIGTERM (its own clock, as the action's figure counts from its stop).
  const downSince = lastLogged(host, 'at')
  return {
    endToEndMs: done - t,
    downtimeMs: Date.now() - (performance.now() - done) - downSince,
    nodeStartupMs: nodeStartup(host),
    nodeStopMs: nodeStop(host),
    connections: host.sshConnections() - connections
  }
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise(resolve =>
    spawn(cmd, args, { stdio: 'ignore', ...(env ? { env } : {}) }).on('close', resolve)
  )
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!
const samples: Record<'action' | 'manual', Sample[]> = { action: [], manual: [] }
try {
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ['action', 'manual'] as const) {
      const host = await startNodeHost({
        simulation: {
          startDelayMs: START_DELAY_MS,
          stopDelayMs: Number(process.env.BENCH_STOP_DELAY_MS ?? 300)
        }
      })
      try {
        await host.waitForNode()
        samples[kind].push(
          kind === 'action' ? await actionRestore(host) : await manualRestore(host)
        )
      } finally {
        await host.destroy()
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

const m = (kind: 'action' | 'manual', k: keyof Sample) => median(samples[kind].map(s => s[k]))
const rows = {
  startDelayMs: START_DELAY_MS,
  runs: RUNS,
  action: {
    endToEndMs: m('action', 'endToEndMs'),
    downtimeMs: m('action', 'downtimeMs'),
    nodeStartupMs: m('action', 'nodeStartupMs'),
    nodeStopMs: m('action', 'nodeStopMs'),
    connections: m('action', 'connections')
  },
  manual: {
    endToEndMs: m('manual', 'endToEndMs'),
    downtimeMs: m('manual', 'downtimeMs'),
    nodeStartupMs: m('manual', 'nodeStartupMs'),
    nodeStopMs: m('manual', 'nodeStopMs'),
    connections: m('manual', 'connections')
  }
}
const added = rows.action.downtimeMs - rows.action.nodeStartupMs - rows.action.nodeStopMs
console.log(
  `\nrestore of staker1 onto a node host (simulated node start-up delay ${START_DELAY_MS} ms), medians of ${RUNS} runs each`
)
console.log('                      end to end    downtime   node start-up   SSH connections')
for (const k of ['action', 'manual'] as const) {
  const r = rows[k]
  console.log(
    `${k === 'action' ? 'action (dist/index.js)' : 'manual (guide, OpenSSH)'.padEnd(22)}${r.endToEndMs.toFixed(0).padStart(9)} ms${r.downtimeMs.toFixed(0).padStart(9)} ms${r.nodeStartupMs.toFixed(0).padStart(12)} ms${String(r.connections).padStart(14)}`
  )
}
console.log(
  `ratio action/manual:  end to end ${(rows.action.endToEndMs / rows.manual.endToEndMs).toFixed(2)}×, downtime ${(rows.action.downtimeMs / rows.manual.downtimeMs).toFixed(2)}×   (goal: both < 1)`
)
console.log(
  `action's added downtime (downtime − the node's own stop, ${rows.action.nodeStopMs} ms, and start-up): ${added.toFixed(0)} ms   (goal: < 250 ms)`
)
console.log(`SSH connections per restore (counted by sshd): ${rows.action.connections}   (goal: 1)`)
mkdirSync(join(ROOT, 'bench-results'), { recursive: true })
writeFileSync(
  join(ROOT, 'bench-results', 'restore.json'),
  JSON.stringify({ ...rows, addedDowntimeMs: added, samples }, null, 2) + '\n'
)
