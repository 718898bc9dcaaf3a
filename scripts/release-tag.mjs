// The release workflow's steps (.github/workflows/release.yml), here so that the tests run the same
// code against a local bare remote (__tests__/release.test.ts):
//
//   node scripts/release-tag.mjs check vX.Y.Z        the tag names package.json's version, and
//                                                    CHANGELOG.md has a section for it
//   node scripts/release-tag.mjs notes vX.Y.Z        prints that section (the release's notes)
//   node scripts/release-tag.mjs move-major vX.Y.Z REMOTE
//                                                    points the major tag vX at the release's
//                                                    commit on REMOTE, unless REMOTE has a higher
//                                                    vX.*.* (a fix to an older line leaves it)
//
// Run from the checkout of the tag. Exit 1 with the reason on stderr when a check fails.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { compareVersions, sectionBody, VERSION } from './changelog.mjs'

function fail(message) {
  console.error(`release: ${message}`)
  process.exit(1)
}

const git = (...args) => execFileSync('git', args, { encoding: 'utf8' }).trim()

function versionOf(tag) {
  const version = tag?.replace(/^v/, '')
  if (!tag?.startsWith('v') || !VERSION.test(version)) fail(`"${tag}" is not a tag vX.Y.Z`)
  return version
}

function notes(version) {
  const body = sectionBody(readFileSync('CHANGELOG.md', 'utf8'), version)
  if (body === undefined) fail(`CHANGELOG.md has no "## [${version}]" section`)
  if (!body) fail(`CHANGELOG.md's "## [${version}]" section is empty`)
  return body
}

function check(tag) {
  const version = versionOf(tag)
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')).version
  if (pkg !== version) fail(`the tag ${tag} is on a commit whose package.json says ${pkg}`)
  notes(version)
  console.log(`${tag}: package.json and CHANGELOG.md agree`)
}

function moveMajor(tag, remote) {
  const version = versionOf(tag)
  if (!remote) fail('move-major needs the remote to push to')
  const major = `v${version.split('.')[0]}`
  // The remote's tags as it has them (the checkout may hold only the one it was made for); an
  // annotated tag's commit is its peeled line, `refs/tags/vX.Y.Z^{}`.
  const refs = new Map(
    git('ls-remote', '--tags', remote)
      .split('\n')
      .filter(Boolean)
      .map(line => line.split('\t').reverse())
  )
  const commit = refs.get(`refs/tags/${tag}^{}`) ?? refs.get(`refs/tags/${tag}`)
  if (!commit) fail(`${remote} has no tag ${tag}`)
  const higher = [...refs.keys()]
    .map(ref => /^refs\/tags\/v(\d+\.\d+\.\d+)$/.exec(ref)?.[1])
    .filter(v => v && v.split('.')[0] === major.slice(1) && compareVersions(v, version) > 0)
    .sort(compareVersions)
  if (higher.length) {
    console.log(`${major} stays: ${remote} has v${higher.at(-1)}, above ${tag}`)
    return
  }
  git('push', '--quiet', '--force', remote, `${commit}:refs/tags/${major}`)
  console.log(`${major} → ${commit} (${tag})`)
}

const [command, tag, remote] = process.argv.slice(2)
if (command === 'check') check(tag)
else if (command === 'notes') process.stdout.write(notes(versionOf(tag)) + '\n')
else if (command === 'move-major') moveMajor(tag, remote)
else fail('usage: release-tag.mjs check|notes|move-major vX.Y.Z [REMOTE]')
