import type { StakingFile } from './errors.js'
import { IdentityError } from './errors.js'
import { MAX_FILE_BYTES } from './certificate.js'
import { looksLikePem, pemBlocks } from './pem.js'

/** The longest secret input read: a staking file is a few KB; the base64 of a 64 KiB file fits. */
export const MAX_INPUT_CHARS = 96 * 1024

/** How a secret input was given. Logged (never the value) so an operator can see what was read. */
export type MaterialForm = 'PEM text' | 'base64' | 'hex' | 'file path'

export interface Material {
  bytes: Buffer
  form: MaterialForm
  /** Every rendering of the secret a log could show: each line given, base64 and hex of the bytes. */
  renderings: string[]
}

/** Reads a file for a path-form input; undefined when there is no regular file at that path. */
export type PathReader = (path: string) => Buffer | undefined

const INPUT_FOR: Record<StakingFile, string> = {
  'staker.crt': 'staker-crt',
  'staker.key': 'staker-key',
  'signer.key': 'signer-key'
}

export const SECRET_HINT: Record<StakingFile, string> = {
  'staker.crt': 'gh secret set STAKER_CRT < staker.crt',
  'staker.key': 'gh secret set STAKER_KEY < staker.key',
  'signer.key': 'base64 -w0 signer.key | gh secret set SIGNER_KEY'
}

/**
 * Decodes a secret input into the file's bytes. Accepted: the file's PEM text, the base64 of the
 * file, a path to the file, and for signer.key also `0x`-hex. Pasted secrets often carry CRLF line
 * endings, surrounding blank space or lose their final newline: all are tolerated.
 */
export function decodeMaterial(
  file: StakingFile,
  input: string,
  readPath: PathReader,
  /** How the input is named to the user (default: the action's input name). */
  label: string = INPUT_FOR[file]
): Material {
  // Size first: nothing below runs on an input no staking file could be (a 10 MB secret, say).
  if (input.length > MAX_INPUT_CHARS) {
    throw new IdentityError(
      file,
      `the ${label} input is ${input.length} characters; the ${file} it should hold is a few KB, so inputs over ${MAX_INPUT_CHARS} characters are refused unread. Set it from the file: ${SECRET_HINT[file]}`
    )
  }
  // Only CRLF pairs become LF: a lone CR is a byte Go's PEM decoder sees, so it stays.
  const text = input.replace(/\r\n/g, '\n').trim()
  const renderings = input.split(/\r?\n/).map(l => l.trim())
  const done = (bytes: Buffer, form: MaterialForm): Material => ({
    bytes,
    form,
    renderings: unique([...renderings, ...renderingsOf(bytes)])
  })
  if (text === '') {
    throw new IdentityError(
      file,
      `the ${label} input is empty. Set it from the file: ${SECRET_HINT[file]}`
    )
  }
  if (text.includes('-----BEGIN ')) {
    if (file === 'signer.key') {
      throw new IdentityError(
        file,
        `given as PEM text; signer.key is 32 raw bytes, so its secret holds their base64: ${SECRET_HINT[file]}`
      )
    }
    return done(Buffer.from(text + '\n'), 'PEM text')
  }
  if (!text.includes('\n') && text.length < 4096) {
    const fromFile = readPath(text)
    if (fromFile && fromFile.length > MAX_FILE_BYTES) {
      throw new IdentityError(
        file,
        `the ${label} input names a file of ${fromFile.length} bytes; a ${file} is a few KB, so files over ${MAX_FILE_BYTES} bytes are refused unread`
      )
    }
    if (fromFile) return done(fromFile, 'file path')
  }
  if (file === 'signer.key') {
    if (/^0x/i.test(text)) {
      const hex = /^0x([0-9a-fA-F]{64})$/i.exec(text)?.[1]
      if (hex) return done(Buffer.from(hex, 'hex'), 'hex')
      throw new IdentityError(
        file,
        `the ${label} input starts with 0x but is not 64 hex digits (32 bytes). Or give its base64: ${SECRET_HINT[file]}`
      )
    }
  }
  const b64 = decodeBase64(text)
  if (b64 && !(file === 'signer.key' && b64.length !== 32 && /^[0-9a-fA-F]{64}$/.test(text))) {
    return done(b64, 'base64')
  }
  if (file === 'signer.key' && /^[0-9a-fA-F]{64}$/.test(text)) {
    return done(Buffer.from(text, 'hex'), 'hex')
  }
  const looksLikePath = /^(\/|\.\.?\/|~\/)/.test(text) || /\.(crt|key|pem)$/.test(text)
  throw new IdentityError(
    file,
    looksLikePath
      ? `the ${label} input looks like a path, but there is no readable file there`
      : `the ${label} input is neither PEM text, base64, nor a path to a file${file === 'signer.key' ? ' (nor 0x-hex)' : ''}. Set it from the file: ${SECRET_HINT[file]}`
  )
}

/** Standard or URL-safe base64, padded or not, line breaks allowed; undefined if not base64. */
function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact) || compact.length < 4) return undefined
  const std = compact.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  if (std.length % 4 === 1) return undefined
  const bytes = Buffer.from(std, 'base64')
  // Round trip: Buffer.from silently skips what is not base64, so check nothing was skipped.
  if (bytes.toString('base64').replace(/=+$/, '') !== std) return undefined
  return bytes
}

/** The bytes as base64, hex and printable text; for PEM, also each line and each block's DER as one base64 run. */
export function renderingsOf(bytes: Buffer): string[] {
  const out = [bytes.toString('base64'), bytes.toString('hex')]
  // Raw bytes that happen to be printable (avalanchego's local test keys are ASCII) are masked as text too.
  if (/^[\x20-\x7e]+$/.test(bytes.toString('latin1'))) out.push(bytes.toString('latin1'))
  // Loops, not push(...lines): a spread of many lines overflows the stack.
  if (looksLikePem(bytes)) {
    for (const line of bytes.toString('utf8').split(/\r?\n/)) out.push(line.trim())
    for (const block of pemBlocks(bytes))
      out.push(block.der.toString('base64'), block.der.toString('hex'))
  }
  return out
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter(v => v.length > 0))]
}
