import * as core from '@actions/core'
import { readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { InputError } from './errors.js'
import { parseBlsPublicKey } from './identity/bls.js'
import { IdentityError, type StakingFile } from './identity/errors.js'
import type { Expectations, IdentityFiles } from './identity/inspect.js'
import { decodeMaterial, type Material } from './identity/material.js'
import { parseNodeId } from './identity/node-id.js'
import { parseHostSettings, type HostSettings } from './host-settings.js'

export const MODES = ['verify', 'restore'] as const
export type Mode = (typeof MODES)[number]

/** Everything the action was asked to do, read and validated in one place. */
export interface Settings {
  mode: Mode
  /** The three files decoded from their secrets; an error where an input could not be decoded. */
  files: IdentityFiles
  /** Which form each secret came in (for the debug log; never the value). */
  forms: Partial<Record<StakingFile, string>>
  expected: Expectations
  /** For restore. */
  host?: HostSettings
}

/** Reads a path-form secret input; `~/` is the runner user's home. */
export function readPathInput(path: string): Buffer | undefined {
  const full = path.startsWith('~/') ? (process.env.HOME || homedir()) + path.slice(1) : path
  try {
    if (!statSync(full).isFile()) return undefined
    return readFileSync(full)
  } catch {
    return undefined
  }
}

export type { HostSettings }

export function readSettings(): Settings {
  const mode = core.getInput('mode') || 'verify'
  if (!(MODES as readonly string[]).includes(mode)) {
    throw new InputError(`Unknown mode '${mode}'. Expected one of: ${MODES.join(', ')}.`)
  }
  const forms: Settings['forms'] = {}
  const material = (file: StakingFile, input: string): Uint8Array | IdentityError => {
    const raw = core.getInput(input, { trimWhitespace: false })
    // Mask before anything else can print it: every line of the input, then every decoded form.
    maskAll(raw.split(/\r?\n/))
    try {
      const m: Material = decodeMaterial(file, raw, readPathInput)
      maskAll(m.renderings)
      forms[file] = m.form
      core.debug(`${input}: read as ${m.form} (${m.bytes.length} bytes)`)
      return m.bytes
    } catch (e) {
      if (e instanceof IdentityError) return e
      throw e
    }
  }
  const files: IdentityFiles = {
    crt: material('staker.crt', 'staker-crt'),
    key: material('staker.key', 'staker-key'),
    signer: material('signer.key', 'signer-key')
  }

  const nodeIdInput = core.getInput('expected-node-id')
  if (!nodeIdInput) {
    throw new InputError(
      "expected-node-id is required: the NodeID this backup must give. Find it with `avalanche-node-backup node-id staker.crt` or the node's info.getNodeID."
    )
  }
  const expected: Expectations = {
    nodeId: asInputError(() => parseNodeId(nodeIdInput, 'expected-node-id'))
  }
  const blsInput = core.getInput('expected-bls-public-key')
  if (blsInput) expected.blsPublicKey = asInputError(() => parseBlsPublicKey(blsInput))

  core.debug(`mode: ${mode}`)
  core.debug(`expected-node-id: ${expected.nodeId}`)
  core.debug(`expected-bls-public-key: ${expected.blsPublicKey ?? '(not given)'}`)
  const settings: Settings = { mode: mode as Mode, files, forms, expected }
  if (mode === 'restore') {
    const secret = (name: string) => {
      const v = core.getInput(name, { trimWhitespace: false })
      maskAll(v.split(/\r?\n/))
      if (v.trim()) core.setSecret(v.trim())
      return v
    }
    settings.host = parseHostSettings({
      get: n => core.getInput(n),
      secret,
      bool: n => core.getBooleanInput(n)
    })
    const t = settings.host.target
    core.debug(
      t.kind === 'ssh'
        ? `target: ${t.ssh.username}@${t.ssh.host}:${t.ssh.port}, ${t.ssh.hostKeys?.fingerprints.size ?? 0} pinned host key(s)`
        : 'target: this machine (no host given)'
    )
  }
  return settings
}

/** Lines shorter than this carry no usable key material and would garble unrelated log text. */
const MIN_MASK = 8

function maskAll(values: string[]): void {
  for (const v of values) {
    const t = v.trim()
    if (t.length >= MIN_MASK && !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(t)) core.setSecret(t)
  }
}

function asInputError<T>(fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof IdentityError) throw new InputError(e.message)
    throw e
  }
}
