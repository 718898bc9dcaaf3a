/**
 * The step outputs of each mode, pure: name → value, every declared output present (empty when
 * it does not apply), so a workflow never reads a stale or missing one.
 */
import type { Outcome } from '../operations/operate.js'
import type { Registration } from '../operations/network.js'
import { validatorJson } from '../network/replies.js'
import { resultObject } from './result.js'

/**
 * A NodeID or BLS key the node reported, for an output of its own: workflows put outputs into
 * scripts (`run: echo ${{ steps.x.outputs.previous-node-id }}`), so a value not shaped like one is
 * left out (it stays, JSON-encoded, in the result output and in the summary).
 */
export function asNodeId(v: string | undefined): string {
  return v && /^NodeID-[1-9A-HJ-NP-Za-km-z]{1,60}$/.test(v) ? v : ''
}

export function asBlsKey(v: string | undefined): string {
  return v && /^0x[0-9a-f]{96}$/.test(v) ? v : ''
}

function validator(r: Registration): string {
  return r.state === 'validator' ? JSON.stringify(validatorJson(r.validator)) : ''
}

export function outputsOf(outcome: Outcome): Record<string, string> {
  const result = JSON.stringify(resultObject(outcome))
  switch (outcome.mode) {
    case 'verify': {
      const r = outcome.report
      return {
        'node-id': r.nodeId ?? '',
        'bls-public-key': r.blsPublicKey ?? '',
        'proof-of-possession': r.proofOfPossession ?? '',
        'key-type': r.keyType ?? '',
        'identity-location': r.checks.find(c => c.id === 'identity-location')?.found ?? '',
        validator: validator(outcome.registration),
        result
      }
    }
    case 'restore':
      return {
        'node-id': asNodeId(outcome.nodeId),
        'bls-public-key': asBlsKey(outcome.blsPublicKey),
        'proof-of-possession': '',
        'key-type': outcome.identity.keyType ?? '',
        'previous-node-id': asNodeId(outcome.previousNodeId),
        'previous-files': outcome.previousFiles ?? '',
        'downtime-ms': outcome.downtimeMs === undefined ? '' : String(outcome.downtimeMs),
        'host-state': outcome.hostState,
        'identity-location': outcome.identityLocation ?? '',
        validator: validator(outcome.registration),
        result
      }
    case 'backup':
      return {
        'node-id': outcome.ok ? outcome.identity.nodeId : '',
        'bls-public-key': outcome.ok ? outcome.identity.blsPublicKey : '',
        'key-type': outcome.report?.keyType ?? '',
        archive: outcome.ok && outcome.stored.kind === 'archive' ? outcome.stored.path : '',
        'identity-location': outcome.identityLocation ?? '',
        validator: validator(outcome.registration),
        result
      }
    case 'probe':
      return {
        'node-id': outcome.nodes.length === 1 ? (outcome.nodes[0]!.nodeId ?? '') : '',
        result
      }
  }
}
