import { createHash } from 'node:crypto'

/** sha256 of the bytes, lowercase hex: how files are compared without their bytes leaving a host. */
export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')
