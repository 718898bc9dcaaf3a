import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parse } from 'yaml'
import { releaseUnreleased, sectionBody } from '../scripts/changelog.mjs'
import { ROOT } from './support/prerequisites.js'
import { tempDir } from './support/tmp.js'

// The release path end to end, on a copy of this repository with a local bare repository as its
// remote: `npm run release` (scripts/release.mjs) prepares the commit and the tag, they are pushed,
// and the release workflow's steps (scripts/release-tag.mjs, the same commands release.yml runs)
// run in a fresh clone of the tag. Only `gh release create` is GitHub's and is not run here.

const ENTRY = '### Fixed\n\n- A fix worth a release.'

function sh(cwd: string, cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}
const git = (cwd: string, ...args: string[]) => sh(cwd, 'git', args).trim()
const node = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, args, { cwd, encoding: 'utf8' })

function gitInit(dir: string): void {
  git(dir, 'init', '--quiet', '--initial-branch=main')
  git(dir, 'config', 'user.name', 'Release Test')
  git(dir, 'config', 'user.email', 'release-test@example.invalid')
  git(dir, 'config', 'commit.gpgsign', 'false')
  git(dir, 'config', 'tag.gpgsign', 'false')
}

/** This repository's files as they are now (committed or not), with its node_modules linked. */
function copyOfProject(): string {
  const work = join(tempDir('release'), 'work')
  const listed = git(ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard')
  for (const file of listed.split('\0').filter(Boolean)) {
    mkdirSync(dirname(join(work, file)), { recursive: true })
    try {
      copyFileSync(join(ROOT, file), join(work, file))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e // deleted, not yet committed
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'))
  gitInit(work)
  git(work, 'add', '--all')
  git(work, 'commit', '--quiet', '-m', 'The project')
  return work
}

/** A commit that adds an entry under Unreleased, as a change worth releasing would. */
function addUnreleased(work: string, entry = ENTRY): void {
  const path = join(work, 'CHANGELOG.md')
  const text = readFileSync(path, 'utf8').replace(
    '## [Unreleased]\n',
    `## [Unreleased]\n\n${entry}\n`
  )
  writeFileSync(path, text)
  git(work, 'commit', '--quiet', '-am', 'A change')
}

const release = (work: string, ...args: string[]) =>
  node(work, join(work, 'scripts', 'release.mjs'), ...args)

/**
 * What release.yml does on a pushed tag, in a fresh clone of the remote at that tag, shallow as
 * actions/checkout makes it (one commit).
 */
function workflow(remote: string, tag: string) {
  const ci = join(tempDir('checkout'), 'ci')
  git(dirname(ci), 'clone', '--quiet', '--depth=1', '--branch', tag, `file://${remote}`, ci)
  expect(git(ci, 'rev-parse', '--is-shallow-repository')).toBe('true')
  const script = join(ci, 'scripts', 'release-tag.mjs')
  return {
    check: node(ci, script, 'check', tag),
    notes: node(ci, script, 'notes', tag),
    moveMajor: node(ci, script, 'move-major', tag, 'origin')
  }
}

const remoteRef = (remote: string, ref: string) =>
  git(remote, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`)

describe('the release path', () => {
  let work: string
  let remote: string
  const today = () => new Date().toISOString().slice(0, 10)

  beforeAll(() => {
    work = copyOfProject()
    remote = join(dirname(work), 'remote.git')
    git(dirname(work), 'init', '--quiet', '--bare', remote)
    git(work, 'remote', 'add', 'origin', remote)
    git(work, 'push', '--quiet', 'origin', 'main')
  })

  it('release.yml runs the steps tested here, on pushed vX.Y.Z tags', () => {
    const wf = parse(readFileSync(join(ROOT, '.github', 'workflows', 'release.yml'), 'utf8'))
    expect(wf.on).toEqual({ push: { tags: ['v*.*.*'] } })
    expect(Object.keys(wf.jobs)).toEqual(['check-dist', 'ci', 'release'])
    expect(wf.jobs['check-dist'].uses).toBe('./.github/workflows/check-dist.yml')
    expect(wf.jobs.ci.uses).toBe('./.github/workflows/ci.yml')
    expect(wf.jobs.release.needs).toEqual(['check-dist', 'ci'])
    const runs = wf.jobs.release.steps
      .map((s: { run?: string }) => s.run?.trim())
      .filter(Boolean)
      .join('\n')
    expect(runs).toContain('node scripts/release-tag.mjs check "$GITHUB_REF_NAME"')
    expect(runs).toContain(
      'node scripts/release-tag.mjs notes "$GITHUB_REF_NAME" > "$RUNNER_TEMP/notes.md"'
    )
    expect(runs).toMatch(
      /gh release create "\$GITHUB_REF_NAME" .*--notes-file "\$RUNNER_TEMP\/notes.md"/
    )
    expect(runs).toContain('node scripts/release-tag.mjs move-major "$GITHUB_REF_NAME" origin')
  })

  it.each([
    [[], 'give the version as X.Y.Z'],
    [['0.2'], 'give the version as X.Y.Z'],
    [['v0.2.0'], 'give the version as X.Y.Z'],
    [['0.02.0'], 'give the version as X.Y.Z'],
    [['0.2.0-rc.1'], 'give the version as X.Y.Z'],
    [['0.0.9'], '0.0.9 is not above the current version 0.1.0']
  ])('refuses the version %j, changing nothing', (args, message) => {
    const head = git(work, 'rev-parse', 'HEAD')
    const r = release(work, ...args)
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 2,
      stderr: expect.stringContaining(message)
    })
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head)
    expect(git(work, 'status', '--porcelain')).toBe('')
  })

  it('refuses a dirty working tree, changing nothing', () => {
    writeFileSync(join(work, 'README.md'), readFileSync(join(work, 'README.md'), 'utf8') + '\nx\n')
    const r = release(work, '0.1.0')
    git(work, 'checkout', '--', 'README.md')
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('the working tree has changes: commit or stash them first')
    expect(git(work, 'tag', '--list')).toBe('')
  })

  it('makes the first release (0.1.0, the version package.json has), pushed and published', () => {
    const r = release(work, '0.1.0')
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(git(work, 'log', '-1', '--format=%s')).toBe('Release 0.1.0')
    expect(git(work, 'status', '--porcelain')).toBe('')
    expect(git(work, 'cat-file', '-t', 'v0.1.0')).toBe('tag') // annotated
    expect(git(work, 'rev-parse', 'v0.1.0^{commit}')).toBe(git(work, 'rev-parse', 'HEAD'))
    const changelog = readFileSync(join(work, 'CHANGELOG.md'), 'utf8')
    expect(changelog).toContain(`## [Unreleased]\n\n## [0.1.0] - ${today()}\n\n### Added\n`)
    expect(changelog).toContain(
      '[unreleased]: https://github.com/avalanche-node-backup/avalanche-node-backup/compare/v0.1.0...HEAD\n' +
        '[0.1.0]: https://github.com/avalanche-node-backup/avalanche-node-backup/releases/tag/v0.1.0\n'
    )

    git(work, 'push', '--quiet', 'origin', 'HEAD', 'v0.1.0')
    const wf = workflow(remote, 'v0.1.0')
    expect(wf.check.status).toBe(0)
    expect(wf.notes.stdout).toBe(sectionBody(changelog, '0.1.0') + '\n')
    expect(wf.notes.stdout).toMatch(/^### Added\n\n- \*\*`verify`\*\* \(offline\)/)
    expect(wf.moveMajor.status).toBe(0)
    expect(remoteRef(remote, 'refs/tags/v0')).toBe(remoteRef(remote, 'refs/tags/v0.1.0'))
  })

  it('a refused release (the tag exists, nothing to release) changes nothing', () => {
    const again = release(work, '0.1.0')
    expect(again.status).toBe(2)
    expect(again.stderr).toContain('0.1.0 is not above the current version 0.1.0')
    const empty = release(work, '0.1.1')
    expect(empty.status).toBe(1)
    expect(empty.stderr).toContain('nothing under "## [Unreleased]" to release')
    expect(git(work, 'status', '--porcelain')).toBe('')
    expect(git(work, 'log', '-1', '--format=%s')).toBe('Release 0.1.0')
  })

  it('makes the next release: version, changelog, dist/, commit and tag; the workflow publishes it', () => {
    addUnreleased(work)
    const r = release(work, '0.1.1')
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' })
    expect(r.stdout).toContain('git push origin HEAD v0.1.1')

    // The release commit: versions, changelog, and dist/ rebuilt (the CLI prints the version).
    expect(JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')).version).toBe('0.1.1')
    const lock = JSON.parse(readFileSync(join(work, 'package-lock.json'), 'utf8'))
    expect([lock.version, lock.packages[''].version]).toEqual(['0.1.1', '0.1.1'])
    expect(sh(work, process.execPath, ['dist/cli.js', '--version']).trim()).toBe('0.1.1')
    expect(git(work, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual([
      'CHANGELOG.md',
      'dist/cli.js',
      'package-lock.json',
      'package.json'
    ])
    const changelog = readFileSync(join(work, 'CHANGELOG.md'), 'utf8')
    expect(sectionBody(changelog, 'Unreleased')).toBe('')
    expect(changelog).toContain(`## [0.1.1] - ${today()}\n\n${ENTRY}\n\n## [0.1.0] - `)
    expect(changelog).toContain(
      '[0.1.1]: https://github.com/avalanche-node-backup/avalanche-node-backup/compare/v0.1.0...v0.1.1\n'
    )
    // The changelog stays as the formatter wants it (CI checks the format).
    expect(
      node(work, 'node_modules/prettier/bin/prettier.cjs', '--check', 'CHANGELOG.md').status
    ).toBe(0)
    // What check-dist does on the tag: dist/ is what the source builds to.
    expect(node(work, 'scripts/bundle.mjs').status).toBe(0)
    expect(git(work, 'status', '--porcelain')).toBe('')

    git(work, 'push', '--quiet', 'origin', 'HEAD', 'v0.1.1')
    const wf = workflow(remote, 'v0.1.1')
    expect(wf.check.stdout).toBe('v0.1.1: package.json and CHANGELOG.md agree\n')
    expect(wf.notes.stdout).toBe(`${ENTRY}\n`)
    expect(wf.moveMajor.stdout).toMatch(/^v0 → [0-9a-f]{40} \(v0.1.1\)\n$/)
    expect(remoteRef(remote, 'refs/tags/v0')).toBe(remoteRef(remote, 'refs/tags/v0.1.1'))
    expect(remoteRef(remote, 'refs/tags/v0')).not.toBe(remoteRef(remote, 'refs/tags/v0.1.0'))
  })

  it('a fix to an older line, released after a newer one, leaves the major tag', () => {
    addUnreleased(work, '### Added\n\n- A feature.')
    expect(release(work, '0.2.0').status).toBe(0)
    git(work, 'push', '--quiet', 'origin', 'HEAD', 'v0.2.0')
    expect(workflow(remote, 'v0.2.0').moveMajor.status).toBe(0)

    git(work, 'checkout', '--quiet', '-b', 'release-0.1', 'v0.1.1')
    addUnreleased(work, '### Fixed\n\n- A backported fix.')
    expect(release(work, '0.1.2').status).toBe(0)
    git(work, 'push', '--quiet', 'origin', 'release-0.1', 'v0.1.2')
    const wf = workflow(remote, 'v0.1.2')
    expect(wf.check.status).toBe(0)
    expect(wf.notes.stdout).toBe('### Fixed\n\n- A backported fix.\n')
    expect(wf.moveMajor.stdout).toBe('v0 stays: origin has v0.2.0, above v0.1.2\n')
    expect(remoteRef(remote, 'refs/tags/v0')).toBe(remoteRef(remote, 'refs/tags/v0.2.0'))
  })

  it("the workflow's check fails on a tag that does not name package.json's version", () => {
    git(work, 'tag', 'v9.9.9')
    git(work, 'push', '--quiet', 'origin', 'v9.9.9')
    const wf = workflow(remote, 'v9.9.9')
    expect(wf.check.status).toBe(1)
    expect(wf.check.stderr).toContain('the tag v9.9.9 is on a commit whose package.json says 0.1.2')
    expect(wf.notes.status).toBe(1)
    expect(wf.notes.stderr).toContain('CHANGELOG.md has no "## [9.9.9]" section')
  })
})

describe('CHANGELOG.md', () => {
  const text = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8')

  it('is in the Keep a Changelog form, with an Unreleased section first', () => {
    expect(text).toMatch(/^# Changelog\n/)
    expect(text).toContain('[Keep a Changelog](https://keepachangelog.com/en/1.1.0/)')
    const headings = [...text.matchAll(/^## .*$/gm)].map(m => m[0])
    expect(headings[0]).toBe('## [Unreleased]')
    for (const h of headings.slice(1))
      expect(h).toMatch(/^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$/)
  })

  it('moving Unreleased into a release needs something to release', () => {
    const empty = '# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-01-01\n\n- x\n'
    expect(() => releaseUnreleased(empty, '0.1.1', '2026-02-02')).toThrow(
      'nothing under "## [Unreleased]" to release'
    )
    expect(() => releaseUnreleased('# Changelog\n', '0.1.1', '2026-02-02')).toThrow(
      'no "## [Unreleased]" section'
    )
  })
})
