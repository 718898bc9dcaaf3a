import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { InputReader } from '../settings/reader.js'

/** Lines shorter than this carry no usable key material and would garble unrelated log text. */
const MIN_MASK = 8

/** Masks each value (each line of it) in the runner's log; PEM armour lines are not secret. */
export function maskAll(values: readonly string[]): void {
  for (const v of values)
    for (const line of v.split(/\r?\n/)) {
      const t = line.trim()
      if (t.length >= MIN_MASK && !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(t)) core.setSecret(t)
    }
}

/**
 * The action's inputs as the one InputReader. A secret input is masked (every line, and the whole
 * value) before anything else can print it.
 */
export const actionInputs: InputReader = {
  get: name => core.getInput(name),
  secret: name => {
    const v = core.getInput(name, { trimWhitespace: false })
    maskAll([v])
    if (v.trim().length >= MIN_MASK) core.setSecret(v.trim())
    return v
  },
  // Unset reads as false: a caller that passes only the inputs it knows (not action.yml's
  // defaults, as the runner does) is not failed by inputs newer than it.
  bool: name => (core.getInput(name) ? core.getBooleanInput(name) : false),
  label: name => name
}

/** Where mode backup writes its archive when archive-path is not given. */
export function defaultArchivePath(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return join(process.env.RUNNER_TEMP || tmpdir(), `avalanche-node-backup-${stamp}.tar.age`)
}
