// npm run bench (part 3): probing a fleet of 50 simulated nodes in one run. The nodes are the test
// hosts' simulated avalanchego, each with its own identity, on this machine's loopback (distinct
// ports), so no root is needed. Measures the action's probe (dist/index.js, as the runner runs it):
// total time and time per node, against probing the same nodes one after the other.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HOST_NODE } from '../test-hosts/host.ts'

const ROOT = join(import.meta.dirname, '..')
const COUNT = Number(process.env.BENCH_PROBE_NODES ?? 50)
const work = mkdtempSync(join(tmpdir(), 'anb-bench-probe-'))
const nodes: { child: ChildProcess; port: number; dir: string }[] = []

async function main(): Promise<void> {
  for (let i = 0; i < COUNT; i++) {
    const dir = join(work, `node-${i}`)
    mkdirSync(dir)
    const port = 29651 + i
    const child = spawn(
      HOST_NODE,
      [
        join(ROOT, 'test-hosts', 'avalanchego.ts'),
        `--data-dir=${dir}`,
        `--http-port=${19650 + i}`,
        `--staking-port=${port}`
      ],
      {
        stdio: 'ignore',
        env: { ...process.env, HOME: dir }
      }
    )
    nodes.push({ child, port, dir })
  }
  const until = Date.now() + 120_000
  while (!nodes.every(n => existsSync(join(n.dir, 'process.json')))) {
    if (Date.now() > until) throw new Error('the simulated nodes did not all start')
    await new Promise(r => setTimeout(r, 100))
  }
  const expected = nodes.map(n =>
    spawnSync(
      HOST_NODE,
      [join(ROOT, 'dist/cli.js'), 'node-id', join(n.dir, 'staking', 'staker.crt')],
      { encoding: 'utf8' }
    ).stdout.trim()
  )

  const out = join(work, 'output')
  writeFileSync(out, '')
  const env = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: out,
    GITHUB_STEP_SUMMARY: '/dev/null',
    INPUT_MODE: 'probe',
    INPUT_HOSTS: nodes.map(n => `127.0.0.1:${n.port}`).join('\n'),
    'INPUT_EXPECTED-NODE-ID': expected.join('\n'),
    'INPUT_PROBE-TIMEOUT': '10'
  }
  const t = performance.now()
  const r = spawnSync(HOST_NODE, [join(ROOT, 'dist/index.js')], { env, encoding: 'utf8' })
  const total = performance.now() - t
  const result = JSON.parse(/result<<(\S+)\n(.*)\n/.exec(readFileSync(out, 'utf8'))![2]!) as {
    ok: boolean
    nodes: { tlsMs?: number; match?: boolean }[]
  }
  if (r.status !== 0 || !result.ok)
    throw new Error(`probe failed: ${r.stdout.split('\n').find(l => l.startsWith('::error'))}`)
  const tls = result.nodes.map(n => n.tlsMs ?? 0)

  // The same nodes probed one at a time, one process each: what a loop in a shell script does.
  const s = performance.now()
  for (const n of nodes)
    spawnSync(HOST_NODE, [join(ROOT, 'dist/cli.js'), 'probe', `127.0.0.1:${n.port}`])
  const sequential = performance.now() - s

  const sum = tls.reduce((a, b) => a + b, 0)
  console.log(
    `\nprobe of ${COUNT} simulated nodes (ECDSA identities, loopback), the action as the runner runs it`
  )
  console.log(`  whole action process:      ${total.toFixed(0)} ms   (goal: well under 5000 ms)`)
  console.log(`  per node:                  ${(total / COUNT).toFixed(1)} ms`)
  console.log(
    `  TLS handshake, slowest:    ${Math.max(...tls)} ms; sum of all: ${sum} ms (the run is bounded by the slowest, not the sum)`
  )
  console.log(`  one at a time (CLI loop):  ${sequential.toFixed(0)} ms`)
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true })
  writeFileSync(
    join(ROOT, 'bench-results', 'probe.json'),
    JSON.stringify(
      {
        nodes: COUNT,
        totalMs: total,
        perNodeMs: total / COUNT,
        tlsMs: tls,
        sequentialMs: sequential
      },
      null,
      2
    ) + '\n'
  )
}

try {
  await main()
} finally {
  for (const n of nodes) n.child.kill('SIGTERM')
  await new Promise(r => setTimeout(r, 300))
  for (const n of nodes) n.child.kill('SIGKILL')
  rmSync(work, { recursive: true, force: true })
}
