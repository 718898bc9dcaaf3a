// The host-side programs (src/node/*.sh) run on operators' machines under whatever /bin/sh is
// there: each parses as POSIX sh and passes shellcheck (also part of npm run lint).
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { describeWith, ROOT } from '../support/prerequisites.js'

const DIR = join(ROOT, 'src', 'node')
const scripts = readdirSync(DIR).filter(f => f.endsWith('.sh'))
const HAVE_SHELLCHECK = spawnSync('sh', ['-c', 'command -v shellcheck']).status === 0

describe('host-side programs', () => {
  it('there are some', () => expect(scripts.length).toBeGreaterThanOrEqual(3))
  it('src/node/host-scripts.ts holds each of them as it is now (npm run bundle writes it)', async () => {
    const gen = (await import(pathToFileURL(join(ROOT, 'scripts', 'host-scripts.mjs')).href)) as {
      hostScriptsModule(): string
    }
    expect(readFileSync(join(DIR, 'host-scripts.ts'), 'utf8')).toBe(gen.hostScriptsModule())
  })
  it.each(scripts)('%s parses as POSIX sh (dash -n)', file => {
    const r = spawnSync('sh', ['-n', join(DIR, file)], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})

describeWith('shellcheck (Debian package shellcheck)', HAVE_SHELLCHECK, 'shellcheck', () => {
  it.each(scripts)('%s', file => {
    const r = spawnSync('shellcheck', ['-s', 'sh', join(DIR, file)], { encoding: 'utf8' })
    expect(r.stdout).toBe('')
    expect(r.status).toBe(0)
  })
})
