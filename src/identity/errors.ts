/**
 * A refusal of identity material. The message names the file, what was found and what avalanchego
 * needs; it never contains key bytes (callers build it from facts such as sizes and types only).
 */
export class IdentityError extends Error {
  override readonly name = 'IdentityError'
  constructor(
    /** The file the problem is about, as the node names it: staker.crt, staker.key or signer.key. */
    readonly file: StakingFile | 'NodeID' | 'BLS public key',
    /** What is wrong, without the file name in front. */
    readonly reason: string
  ) {
    super(`${file}: ${reason}`)
  }
}

/**
 * An IdentityError, also one made by another copy of this module: the CLI's two bundles
 * (dist/cli.js, dist/remote.js) each hold one, and settings made in one are checked in the other.
 */
export function isIdentityError(e: unknown): e is IdentityError {
  return e instanceof IdentityError || (e instanceof Error && e.name === 'IdentityError')
}

export type StakingFile = 'staker.crt' | 'staker.key' | 'signer.key'
export const STAKING_FILES: readonly StakingFile[] = ['staker.crt', 'staker.key', 'signer.key']

/** The three staking files, each as a T: their bytes, their hashes, a decoding error, … */
export type StakingFiles<T> = Record<StakingFile, T>
