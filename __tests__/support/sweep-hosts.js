// Jest globalSetup and globalTeardown: remove test node hosts left by killed runs (before), and
// every host of this run, including those of a test file that crashed before its afterAll (after:
// the workers that owned them have exited by then). Runs test-hosts/sweep.ts with Node 24.
import { spawnSync } from 'node:child_process'
import { findNode24 } from '../../scripts/node24.mjs'

export default function sweepHosts() {
  if (process.getuid?.() !== 0) return
  const node = findNode24().path
  if (!node) return // no Node 24, no test hosts (their tests say why)
  const r = spawnSync(node, ['test-hosts/sweep.ts'], { encoding: 'utf8' })
  if (r.stderr) console.error(r.stderr)
}
