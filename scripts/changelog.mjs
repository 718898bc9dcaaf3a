// CHANGELOG.md in the Keep a Changelog form: `## [Unreleased]`, then `## [X.Y.Z] - YYYY-MM-DD`
// sections, newest first, and link definitions at the end. Used by scripts/release.mjs (to prepare
// a release) and scripts/release-tag.mjs (the release workflow's notes).

/** X.Y.Z, numbers without leading zeros: the versions this project releases. */
export const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/

/** -1, 0 or 1 as a is below, equal to or above b (both X.Y.Z). */
export function compareVersions(a, b) {
  const [x, y] = [a, b].map(v => v.split('.').map(Number))
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1
  return 0
}

const HEADING = /^## \[([^\]]+)\][^\n]*$/gm
const LINKS = /^\[[^\]]+\]: \S+$/m

/** Sections by name ('Unreleased', '0.1.0'…): { start, bodyStart, end } offsets into the text. */
function sections(text) {
  const linksAt = LINKS.exec(text)?.index ?? text.length
  const found = [...text.matchAll(HEADING)].filter(m => m.index < linksAt)
  return found.map((m, i) => ({
    name: m[1],
    start: m.index,
    bodyStart: m.index + m[0].length,
    end: found[i + 1]?.index ?? linksAt
  }))
}

/** The body of a section (its lines under the heading, trimmed), or undefined if it is absent. */
export function sectionBody(text, name) {
  const s = sections(text).find(x => x.name === name)
  return s && text.slice(s.bodyStart, s.end).trim()
}

/** The version sections' names, newest first. */
export function releasedVersions(text) {
  return sections(text)
    .map(s => s.name)
    .filter(n => n !== 'Unreleased')
}

/**
 * The changelog with the Unreleased section's entries moved under `## [version] - date`, an empty
 * Unreleased section left above it, and the comparison links updated when there are any.
 */
export function releaseUnreleased(text, version, date) {
  const unreleased = sections(text).find(x => x.name === 'Unreleased')
  if (!unreleased) throw new Error('CHANGELOG.md has no "## [Unreleased]" section')
  const body = text.slice(unreleased.bodyStart, unreleased.end).trim()
  if (!body) throw new Error('CHANGELOG.md: nothing under "## [Unreleased]" to release')
  const previous = releasedVersions(text)[0]
  let out =
    text.slice(0, unreleased.bodyStart) +
    `\n\n## [${version}] - ${date}\n\n${body}\n\n` +
    text.slice(unreleased.end)
  // [unreleased]: https://github.com/OWNER/REPO/… → the repository, for the links.
  const link = /^\[unreleased\]: (https:\/\/github\.com\/[^/\s]+\/[^/\s]+)\/\S*$/im.exec(out)
  if (link) {
    const [line, repo] = link
    const diff = previous ? `compare/v${previous}...v${version}` : `releases/tag/v${version}`
    out = out.replace(
      line,
      `[unreleased]: ${repo}/compare/v${version}...HEAD\n[${version}]: ${repo}/${diff}`
    )
  }
  return out
}
