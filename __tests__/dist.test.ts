import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from './support/prerequisites.js'
import { tempDir } from './support/tmp.js'

// The action runs dist/, not src/: the committed bundle must be exactly what the source builds to.
describe('dist/', () => {
  it('is what `npm run bundle` builds from the current source', () => {
    const fresh = tempDir('dist')
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), fresh])
    const list = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter(e => e.isFile())
        .map(e => join(e.parentPath, e.name).slice(dir.length + 1))
        .sort()
    expect(list(join(ROOT, 'dist'))).toEqual(list(fresh))
    for (const name of list(fresh)) {
      const same = readFileSync(join(fresh, name)).equals(readFileSync(join(ROOT, 'dist', name)))
      expect({ name, same }).toEqual({ name, same: true })
    }
    expect(statSync(join(ROOT, 'dist', 'cli.js')).mode & 0o111).not.toBe(0)
  })
})
