import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { ROOT } from './prerequisites.js'
import { tempDir } from './tmp.js'

/** The Go toolchain the reference is built with (Debian's golang-go), if any. */
export const GO = (() => {
  try {
    return execFileSync('go', ['version'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
  } catch {
    return undefined
  }
})()

export interface ReferenceCase {
  id: string
  crt: Buffer
  key: Buffer
  /** staker.crt given as DER: the reference judges the PEM we would write (Go's pem.Encode). */
  crtIsDer?: boolean
}

export interface ReferenceVerdict {
  id: string
  /** '' when Go accepts, else its reason. */
  cert: string
  key: string
  pair: string
  certSha256?: string
}

/** Builds __tests__/support/go-reference and runs every case through it in one process. */
export function runReference(cases: ReferenceCase[]): ReferenceVerdict[] {
  const dir = tempDir('goref')
  const bin = join(dir, 'goref')
  execFileSync('go', ['build', '-buildvcs=false', '-o', bin, '.'], {
    cwd: join(ROOT, '__tests__', 'support', 'go-reference'),
    env: {
      ...process.env,
      GOFLAGS: '-mod=mod',
      GOCACHE: join(dir, 'cache'),
      GOPATH: join(dir, 'gopath')
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const input = cases
    .map(c =>
      JSON.stringify({
        id: c.id,
        crt: c.crt.toString('base64'),
        key: c.key.toString('base64'),
        crtIsDer: c.crtIsDer ?? false
      })
    )
    .join('\n')
  const run = spawnSync(bin, [], { input, maxBuffer: 1 << 28 })
  if (run.status !== 0) throw new Error(`go reference failed: ${run.stderr.toString()}`)
  return run.stdout
    .toString()
    .trim()
    .split('\n')
    .map(l => JSON.parse(l) as ReferenceVerdict)
}
