// npm run release -- X.Y.Z: prepares a release commit and its tag, locally. It bumps the version in
// package.json and package-lock.json, moves CHANGELOG.md's Unreleased entries under the version with
// today's date (UTC), rebuilds dist/ (the CLI prints the version), commits, and makes the annotated
// tag vX.Y.Z. Pushing the tag (`git push origin HEAD vX.Y.Z`) starts the release workflow
// (.github/workflows/release.yml). Nothing is pushed from here.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compareVersions, releaseUnreleased, VERSION } from './changelog.mjs'

function fail(code, message) {
  console.error(`release: ${message}`)
  process.exit(code)
}

const git = (...args) => execFileSync('git', args, { encoding: 'utf8' }).trim()
const readJson = path => JSON.parse(readFileSync(path, 'utf8'))
const writeJson = (path, value) => writeFileSync(path, JSON.stringify(value, null, 2) + '\n')

function checks(root, version) {
  if (!version || !VERSION.test(version))
    fail(2, 'give the version as X.Y.Z (e.g. `npm run release -- 0.1.1`), without a leading v')
  // The version must be above package.json's, or be package.json's own while it has never been
  // released (no tag): the first release, 0.1.0.
  const current = readJson(join(root, 'package.json')).version
  const unreleased = !git('tag', '--list', `v${current}`)
  const order = compareVersions(version, current)
  if (order < 0 || (order === 0 && !unreleased))
    fail(2, `${version} is not above the current version ${current}`)
  if (git('status', '--porcelain'))
    fail(1, 'the working tree has changes: commit or stash them first (git status)')
  if (git('tag', '--list', `v${version}`)) fail(1, `the tag v${version} exists already`)
}

function main() {
  const root = git('rev-parse', '--show-toplevel')
  process.chdir(root)
  const version = process.argv[2]
  checks(root, version)

  const changelogPath = join(root, 'CHANGELOG.md')
  const date = new Date().toISOString().slice(0, 10)
  let changelog
  try {
    changelog = releaseUnreleased(readFileSync(changelogPath, 'utf8'), version, date)
  } catch (e) {
    fail(1, e.message)
  }

  const pkg = readJson('package.json')
  writeJson('package.json', { ...pkg, version })
  const lock = readJson('package-lock.json')
  lock.version = version
  lock.packages[''].version = version
  writeJson('package-lock.json', lock)
  writeFileSync(changelogPath, changelog)

  const bundle = spawnSync(process.execPath, [join(root, 'scripts', 'bundle.mjs')], {
    stdio: 'inherit'
  })
  if (bundle.status !== 0) fail(1, 'npm run bundle failed; the files are changed but not committed')

  git('add', '--', 'package.json', 'package-lock.json', 'CHANGELOG.md', 'dist')
  git('commit', '--quiet', '-m', `Release ${version}`)
  git('tag', '--annotate', `v${version}`, '-m', `Release ${version}`)
  console.log(
    `Made the commit "Release ${version}" and the tag v${version}. To publish:\n` +
      `  git push origin HEAD v${version}\n` +
      'The release workflow then checks dist/ and the tests, creates the GitHub release from ' +
      'CHANGELOG.md and moves the major tag.'
  )
}

main()
