// The action's TypeScript source under GitHub's @github/local-action (`npm run local-action`), as a
// developer runs it: .env.example's inputs (staker1 of ../shared/vectors), then a wrong NodeID.
// Offline: npm exec finds tsx in node_modules, and `npm ls` (which local-action runs to find
// @actions/core) reads node_modules only.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeWith, HAVE_VECTORS, ROOT } from './support/prerequisites.js'
import { tempDir } from './support/tmp.js'
import { vectors } from './support/vectors.js'

/** .env.example's variables (KEY=VALUE lines; values are single-line and unquoted there). */
function example(): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const line of readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n')) {
    const m = /^([A-Za-z_][\w-]*)=(.*)$/.exec(line)
    if (m) vars[m[1]!] = m[2]!
  }
  return vars
}

interface Run {
  code: number | null
  out: string
  summary: string
  outputs: Record<string, string>
  errors: string[]
}

/** `local-action . src/action/main.ts ENV` with .env.example changed by `change`, in a clean environment. */
function localAction(change: Record<string, string> = {}): Run {
  const dir = tempDir('local-action')
  const summary = join(dir, 'summary.md')
  const vars = { ...example(), ...change, GITHUB_STEP_SUMMARY: summary }
  const envFile = join(dir, 'action.env')
  writeFileSync(
    envFile,
    Object.entries(vars)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n'
  )
  // Nothing of this process's own job may leak in: dotenv sets only what the file names.
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(INPUT_|GITHUB_|ACTIONS_|RUNNER_|NODE_OPTIONS$|FORCE_COLOR$)/.test(k)) env[k] = v
  }
  Object.assign(env, {
    FORCE_COLOR: '0',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false'
  })
  const r = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', '@github', 'local-action', 'bin', 'local-action.js'),
      '.',
      'src/action/main.ts',
      envFile
    ],
    { cwd: ROOT, env, encoding: 'utf8', timeout: 90_000, maxBuffer: 16 << 20 }
  )
  const out = `${r.stdout}${r.stderr}`
  // local-action's stand-in for @actions/core prints `::set-output name=N::V` and `::error::M`
  // (the message raw, lines and all, up to the closing banner).
  const outputs: Record<string, string> = {}
  for (const m of out.matchAll(/^::set-output name=([\w-]+)::(.*)$/gm)) outputs[m[1]!] = m[2]!
  const errors = [...out.matchAll(/^::error::([\s\S]*?)\n\n/gm)].map(m => m[1]!)
  let text = ''
  try {
    text = readFileSync(summary, 'utf8')
  } catch {
    // no summary written
  }
  return { code: r.status, out, summary: text, outputs, errors }
}

describeWith('../shared/vectors', HAVE_VECTORS, 'the source under @github/local-action', () => {
  const staker1 = vectors.stakers[0]!
  const staker2 = vectors.stakers[1]!

  it('verify with .env.example (staker1): exit 0, all checks passed, the outputs set', () => {
    const r = localAction()
    expect({ code: r.code, errors: r.errors }).toEqual({ code: 0, errors: [] })
    expect(r.out).toMatch(/Running Action/)
    expect(r.summary).toContain(`All checks passed for <code>${staker1.nodeID}</code>`)
    expect(r.summary).not.toMatch(/fail|skipped/)
    expect(r.outputs['node-id']).toBe(staker1.nodeID)
    expect(r.outputs['bls-public-key']).toBe(staker1.blsPublicKey)
    expect(r.outputs['proof-of-possession']).toBe(staker1.proofOfPossession)
    const result = JSON.parse(r.outputs['result'] ?? '{}')
    expect(result.ok).toBe(true)
    expect(result.checks.map((c: { status: string }) => c.status)).toEqual(Array(6).fill('pass'))
  }, 120_000)

  it('verify with a wrong expected-node-id: the step fails (exit 1), saying which NodeID', () => {
    const r = localAction({ 'INPUT_EXPECTED-NODE-ID': staker2.nodeID })
    expect(r.code).toBe(1)
    expect(r.errors).toEqual([
      `1 check failed:\n- NodeID is the expected one: staker.crt gives ${staker1.nodeID}, not ${staker2.nodeID}`
    ])
    expect(r.summary).toContain('1 check failed.')
    expect(JSON.parse(r.outputs['result'] ?? '{}').ok).toBe(false)
  }, 120_000)
})
