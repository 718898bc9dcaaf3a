import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { HAVE_VECTORS, VECTORS } from './prerequisites.js'

export interface Staker {
  cert: string
  key: string
  signer: string
  nodeID: string
  certDerSha256: string
  blsPublicKey: string
  proofOfPossession: string
}

export interface Vectors {
  stakers: Staker[]
  cb58: { hex: string; cb58: string }[]
  nodeIDFromBytes: { hex: string; nodeID: string }[]
  rejected: { file: string; format: string; why: string }[]
}

/** avalanchego's public local-network identities, read where they lie in ../shared. */
export const vectors: Vectors = HAVE_VECTORS
  ? JSON.parse(readFileSync(join(VECTORS, 'expected.json'), 'utf8'))
  : { stakers: [], cb58: [], nodeIDFromBytes: [], rejected: [] }

export function vectorFile(name: string): Buffer {
  return readFileSync(join(VECTORS, name))
}

export function vectorPath(name: string): string {
  return join(VECTORS, name)
}

/** Staker i as the files a node holds, with the NodeID and BLS key it must report. */
export function staker(i: number) {
  const s = vectors.stakers[i]!
  return {
    crt: vectorFile(s.cert),
    key: vectorFile(s.key),
    signer: vectorFile(s.signer),
    nodeId: s.nodeID,
    bls: s.blsPublicKey
  }
}
