import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './support/prerequisites.js'

// The action runs dist/, not src/: the committed bundle must be exactly what the source builds to.
describe('dist/', () => {
  it('is what `npm run bundle` builds from the current source', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'anb-dist-'))
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), fresh])
    const list = (dir: string) => readdirSync(dir).sort()
    expect(list(join(ROOT, 'dist'))).toEqual(list(fresh))
    for (const name of list(fresh)) {
      const same = readFileSync(join(fresh, name)).equals(readFileSync(join(ROOT, 'dist', name)))
      expect({ name, same }).toEqual({ name, same: true })
    }
    expect(statSync(join(ROOT, 'dist', 'cli.js')).mode & 0o111).not.toBe(0)
  })
})
