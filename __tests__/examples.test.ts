import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from './support/prerequisites.js'
import { actionYml } from './support/runner.js'

interface Workflow {
  on: unknown
  permissions?: unknown
  jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }>
}

const EXAMPLES = join(ROOT, 'examples')
const files = readdirSync(EXAMPLES).filter(f => f.endsWith('.yml'))

// The workflows people copy: valid YAML, using only inputs that action.yml declares.
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
    const wf = parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Workflow
    expect(wf.on).toBeDefined()
    expect(wf.permissions).toEqual({ contents: 'read' })
    const ours = Object.values(wf.jobs)
      .flatMap(j => j.steps)
      .filter(s => s.uses?.startsWith('avalanche-node-backup/avalanche-node-backup@'))
    expect(ours.length).toBeGreaterThan(0)
    for (const step of ours) {
      const unknown = Object.keys(step.with ?? {}).filter(k => !(k in actionYml.inputs))
      expect({ file, unknown }).toEqual({ file, unknown: [] })
      expect(Object.keys(actionYml.inputs)).toContain('mode')
    }
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
