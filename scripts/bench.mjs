// npm run bench: performance figures, printed and written to bench-results/*.json. Nothing here
// passes or fails on time; the goals are in the README and the figures go in the issue notes.
//
// verify: the whole `avalanche-node-backup verify` process on one identity, as a ratio to
// `node -e 0` on the same Node.js binary, runs interleaved so both see the same machine load.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findNode24 } from './node24.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const node = findNode24().path ?? process.execPath
const cli = join(root, 'dist/cli.js')
const runs = Number(process.env.BENCH_RUNS ?? 40)

function ecIdentity() {
  const dir = mkdtempSync(join(tmpdir(), 'anb-bench-'))
  execFileSync('openssl', [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    join(dir, 'staker.key')
  ])
  execFileSync('openssl', [
    'req',
    '-new',
    '-x509',
    '-key',
    join(dir, 'staker.key'),
    '-out',
    join(dir, 'staker.crt'),
    '-days',
    '36500',
    '-subj',
    '/'
  ])
  const sk = randomBytes(32)
  sk[0] &= 0x3f
  writeFileSync(join(dir, 'signer.key'), sk)
  return dir
}

function time(args) {
  const t = process.hrtime.bigint()
  const r = spawnSync(node, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`)
  return Number(process.hrtime.bigint() - t) / 1e6
}

const median = xs => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const cases = [['ECDSA P-256 (current node format)', ecIdentity()]]
const vectors = join(root, '..', 'shared', 'vectors', 'avalanchego-local')
if (existsSync(vectors)) {
  const dir = mkdtempSync(join(tmpdir(), 'anb-bench-'))
  for (const [from, to] of [
    ['staker1.crt', 'staker.crt'],
    ['staker1.key', 'staker.key'],
    ['signer1.key', 'signer.key']
  ]) {
    execFileSync('cp', [join(vectors, from), join(dir, to)])
  }
  cases.push(['RSA-4096 (avalanchego staker1)', dir])
}

const variants = [
  ['verify', []],
  ['verify --json', ['--json']],
  ['verify --proof-of-possession', ['--proof-of-possession']]
]

const rows = []
for (const [identity, dir] of cases) {
  for (const [label, extra] of variants) {
    const base = []
    const ours = []
    for (let i = 0; i < runs + 3; i++) {
      const b = time(['-e', '0'])
      const o = time([cli, 'verify', '--staking-dir', dir, ...extra])
      if (i < 3) continue // the first runs warm the page cache
      base.push(b)
      ours.push(o)
    }
    rows.push({
      identity,
      command: label,
      runs,
      nodeMs: median(base),
      verifyMs: median(ours),
      ratio: median(ours) / median(base)
    })
  }
}

console.log(
  `Node.js ${execFileSync(node, ['--version']).toString().trim()}, ${runs} runs each, medians (goal: plain verify ≤ 2.00× node -e 0)\n`
)
console.log(
  'identity                          command                         node -e 0   verify     ratio'
)
for (const r of rows) {
  console.log(
    `${r.identity.padEnd(34)}${r.command.padEnd(32)}${r.nodeMs.toFixed(1).padStart(8)} ms${r.verifyMs.toFixed(1).padStart(8)} ms${r.ratio.toFixed(2).padStart(8)}×`
  )
}
mkdirSync(join(root, 'bench-results'), { recursive: true })
writeFileSync(
  join(root, 'bench-results', 'verify.json'),
  JSON.stringify({ node, rows }, null, 2) + '\n'
)
for (const [, dir] of cases) rmSync(dir, { recursive: true, force: true })
