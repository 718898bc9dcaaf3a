import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { bundledPackages, licenseNotices } from '../scripts/licenses.mjs'
import { ROOT } from './support/prerequisites.js'
import { tempDir } from './support/tmp.js'

interface Step {
  uses?: string
  with?: Record<string, unknown>
}
interface Workflow {
  permissions?: Record<string, string>
  jobs: Record<string, { permissions?: Record<string, string>; steps?: Step[]; uses?: string }>
}

const WORKFLOWS = join(ROOT, '.github', 'workflows')
const names = readdirSync(WORKFLOWS).filter(f => /\.ya?ml$/.test(f))
const text = (name: string) => readFileSync(join(WORKFLOWS, name), 'utf8')
const workflow = (name: string) => parse(text(name)) as Workflow

// An action that holds validator keys is judged on its supply chain: what its own workflows run,
// with which token, and what is bundled into dist/.
describe("the project's workflows", () => {
  it.each(names)(
    '%s pins every third-party action to a full commit SHA, version in a comment',
    name => {
      const uses = text(name)
        .split('\n')
        .filter(l => /^\s*(- )?uses:/.test(l))
        .map(l => l.replace(/^\s*(- )?uses:\s*/, ''))
      expect(uses.length).toBeGreaterThan(0)
      for (const u of uses) {
        if (u.startsWith('./')) continue // this repository's own workflows and action
        expect(u).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/)
      }
    }
  )

  it.each(names)('%s checks out without keeping the token (persist-credentials: false)', name => {
    const checkouts = Object.values(workflow(name).jobs)
      .flatMap(j => j.steps ?? [])
      .filter(s => s.uses?.startsWith('actions/checkout@'))
    expect(checkouts.length).toBeGreaterThan(0)
    for (const s of checkouts) expect(s.with?.['persist-credentials']).toBe(false)
  })

  it('give the token read access by default, and write only where a job must', () => {
    const granted: Record<string, unknown> = {}
    for (const name of names) {
      const wf = workflow(name)
      granted[name] = wf.permissions
      for (const [job, spec] of Object.entries(wf.jobs)) {
        if (spec.permissions) granted[`${name} ${job}`] = spec.permissions
      }
    }
    expect(granted).toEqual({
      'check-dist.yml': { contents: 'read' },
      'ci.yml': { contents: 'read' },
      'codeql.yml': { contents: 'read' },
      'codeql.yml analyze': { contents: 'read', 'security-events': 'write' },
      'release.yml': { contents: 'read' },
      'release.yml release': { contents: 'write' }
    })
  })
})

describe('Dependabot', () => {
  it('updates npm packages and the actions, weekly, each ecosystem in one group', () => {
    const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
      version: number
      updates: {
        'package-ecosystem': string
        schedule: { interval: string }
        groups: Record<string, { patterns: string[] }>
      }[]
    }
    expect(config.version).toBe(2)
    expect(config.updates.map(u => u['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm'
    ])
    for (const u of config.updates) {
      expect(u.schedule.interval).toBe('weekly')
      expect(Object.values(u.groups).map(g => g.patterns)).toEqual([['*']])
    }
  })
})

describe('dist/', () => {
  it('is marked generated for GitHub (linguist-generated)', () => {
    const out = execFileSync('git', ['check-attr', 'linguist-generated', '--', 'dist/index.js'], {
      cwd: ROOT,
      encoding: 'utf8'
    })
    expect(out.trim()).toBe('dist/index.js: linguist-generated: true')
  })

  it('licenses.txt has the license of every package the bundles hold', () => {
    // The bundles name each module they hold in a comment (`// node_modules/ssh2/lib/…`): an
    // account of their content independent of the metafile that licenses.txt is made from.
    const bundles = ['index.js', 'cli.js', 'remote.js']
    const dirs = new Set<string>()
    for (const b of bundles) {
      const js = readFileSync(join(ROOT, 'dist', b), 'utf8')
      for (const m of js.matchAll(/^\/\/ (\S*node_modules\/(?:@[^/\s]+\/)?[^/\s]+)\//gm))
        dirs.add(m[1]!)
    }
    expect(dirs.size).toBeGreaterThan(5)
    const licenses = readFileSync(join(ROOT, 'dist', 'licenses.txt'), 'utf8')
    for (const dir of dirs) {
      const pkg = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'))
      expect({ dir, listed: licenses.includes(`\n${pkg.name} ${pkg.version}`) }).toEqual({
        dir,
        listed: true
      })
    }
    // ssh2's own license text, as the package ships it.
    expect(licenses).toContain(readFileSync(join(ROOT, 'node_modules/ssh2/LICENSE'), 'utf8').trim())
  })

  it('licenses.txt is made from the package files, and refuses a package with no license', () => {
    const root = tempDir('licenses')
    const pkg = (dir: string, json: object, files: Record<string, string> = {}) => {
      mkdirSync(join(root, dir), { recursive: true })
      writeFileSync(join(root, dir, 'package.json'), JSON.stringify(json))
      for (const [f, t] of Object.entries(files)) writeFileSync(join(root, dir, f), t)
    }
    pkg('node_modules/a', { name: 'a', version: '1.0.0', license: 'MIT' }, { LICENSE: 'A text' })
    pkg('node_modules/a/node_modules/@s/b', { name: '@s/b', version: '2.0.0', license: 'ISC' })
    pkg('node_modules/c', { name: 'c', version: '3.0.0' }, { 'LICENCE.md': 'C text' })
    const meta = {
      inputs: {
        'src/x.ts': {},
        'node_modules/a/index.js': {},
        'node_modules/a/lib/y.js': {},
        'node_modules/a/node_modules/@s/b/index.js': {},
        'node_modules/c/index.js': {}
      }
    }
    expect(bundledPackages([meta]).sort()).toEqual([
      'node_modules/a',
      'node_modules/a/node_modules/@s/b',
      'node_modules/c'
    ])
    const out = licenseNotices(root, [meta])
    expect(out).toContain('\na 1.0.0 (MIT)\n\nA text\n')
    expect(out).toContain(
      '\n@s/b 2.0.0 (ISC)\n\n(The package has no license file; its package.json says "license": "ISC".)\n'
    )
    expect(out).toContain('\nc 3.0.0\n\nC text\n')
    expect(out.indexOf('@s/b')).toBeLessThan(out.indexOf('\na 1.0.0'))

    pkg('node_modules/d', { name: 'd', version: '4.0.0' })
    const bad = { inputs: { 'node_modules/d/index.js': {} } }
    expect(() => licenseNotices(root, [bad])).toThrow(
      'node_modules/d: bundled, but has neither a license file nor a "license" field'
    )
  })
})
