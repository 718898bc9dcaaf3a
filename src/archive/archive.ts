import { Decrypter, Encrypter } from 'age-encryption'
import { STAKING_FILES, type StakingFile, type StakingFiles } from '../identity/errors.js'
import { sha256Hex } from '../identity/sha256.js'
import { readTar, writeTar } from './tar.js'
import type { KeystoreExport } from '../node/keystore.js'

/** What the archive says about itself, next to the three files. */
export interface Manifest {
  format: 'avalanche-node-backup/1'
  nodeId: string
  blsPublicKey: string
  keyType: string
  /** sha256 (hex) of each file. */
  sha256: StakingFiles<string>
  takenAt: string
  host: string
  /** Keystore users exported with the files (old nodes only), each in keystore/N-NAME.json. */
  keystoreUsers?: string[]
}

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError'
}

/**
 * An age-encrypted tar of manifest.json and staking/{staker.crt,staker.key,signer.key}. It opens
 * with the standard tools: `age -d -i key.txt backup.tar.age | tar x`.
 */
export async function sealArchive(
  files: StakingFiles<Uint8Array>,
  manifest: Omit<Manifest, 'format' | 'sha256' | 'keystoreUsers'>,
  recipients: string[],
  keystore: KeystoreExport[] = []
): Promise<Uint8Array> {
  const full: Manifest = {
    format: 'avalanche-node-backup/1',
    ...manifest,
    ...(keystore.length ? { keystoreUsers: keystore.map(k => k.username) } : {}),
    sha256: Object.fromEntries(STAKING_FILES.map(f => [f, sha256Hex(files[f])])) as Record<
      StakingFile,
      string
    >
  }
  const tar = writeTar(
    [
      { name: 'manifest.json', data: Buffer.from(JSON.stringify(full, null, 2) + '\n') },
      ...STAKING_FILES.map(f => ({ name: `staking/${f}`, data: files[f] })),
      // Numbered: two user names that differ only in characters a file name cannot hold stay two.
      ...keystore.map((k, i) => ({
        name: `keystore/${i + 1}-${k.username.replace(/[^\w.-]/g, '_').slice(0, 80)}.json`,
        data: Buffer.from(JSON.stringify(k) + '\n')
      }))
    ],
    new Date(manifest.takenAt)
  )
  return encrypterFor(recipients).encrypt(tar)
}

/**
 * An age encrypter for these recipients; refuses one that age cannot use. Called while the inputs
 * are read, before anything connects, and again when sealing.
 */
export function encrypterFor(recipients: string[]): Encrypter {
  const e = new Encrypter()
  recipients.forEach((r, i) => {
    try {
      e.addRecipient(r)
    } catch {
      // Named by position, never quoted: a secret key given here by mistake must not be printed.
      throw new ArchiveError(
        `age-recipients: recipient ${i + 1} of ${recipients.length} is not an age recipient (age1…)${r.startsWith('AGE-SECRET-KEY-') ? ': it is an age secret key; give its public key (age-keygen -y KEYFILE)' : ''}; make one with age-keygen.`
      )
    }
  })
  return e
}

/** Opens an archive with an age identity; checks each file against the manifest. */
export async function openArchive(
  sealed: Uint8Array,
  identity: string
): Promise<{
  files: StakingFiles<Uint8Array>
  manifest: Manifest
  keystore: KeystoreExport[]
}> {
  const entries = new Map(readTar(await decrypt(sealed, identity)).map(e => [e.name, e.data]))
  const manifestBytes = entries.get('manifest.json')
  if (!manifestBytes)
    throw new ArchiveError(
      'the archive has no manifest.json: it was not made by avalanche-node-backup.'
    )
  const manifest = parseManifest(manifestBytes)
  const files = {} as StakingFiles<Uint8Array>
  for (const f of STAKING_FILES) {
    const data = entries.get(`staking/${f}`)
    if (!data) throw new ArchiveError(`the archive has no staking/${f}.`)
    if (sha256Hex(data) !== manifest.sha256[f])
      throw new ArchiveError(
        `staking/${f} in the archive does not match its manifest: the archive is damaged.`
      )
    files[f] = data
  }
  const keystore = [...entries]
    .filter(([name]) => name.startsWith('keystore/'))
    .map(([name, data]) => parseKeystoreExport(name, data))
  return { files, manifest, keystore }
}

/** The first line of an age file (age-encryption.org/v1 in the age spec). */
const AGE_HEADER = 'age-encryption.org/v1\n'

/**
 * The tar inside. The age library's errors are never passed on: "invalid version …" quotes the
 * file's first line, which for an age identity file given by mistake is the secret key itself.
 */
async function decrypt(sealed: Uint8Array, identity: string): Promise<Uint8Array> {
  const keys = identity
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l.startsWith('AGE-SECRET-KEY-'))
  if (keys.length === 0)
    throw new ArchiveError(
      'age-identity holds no AGE-SECRET-KEY-1… line: give the contents of the key file age-keygen wrote.'
    )
  const head = Buffer.from(sealed.subarray(0, 256)).toString('latin1')
  if (!head.startsWith(AGE_HEADER)) {
    throw new ArchiveError(
      /AGE-SECRET-KEY-|^# created: /m.test(head)
        ? 'the file is an age identity (a secret key), not an archive. Give the .tar.age file mode backup wrote, and keep the key in a secret for age-identity.'
        : 'the file is not an age-encrypted archive (it does not start with the age header). Give the .tar.age file mode backup wrote.'
    )
  }
  const d = new Decrypter()
  try {
    keys.forEach(k => d.addIdentity(k))
  } catch {
    throw new ArchiveError(
      'age-identity holds an AGE-SECRET-KEY-1… line that is not a valid age key: copy the key file age-keygen wrote whole.'
    )
  }
  try {
    return await d.decrypt(sealed)
  } catch (e) {
    throw new ArchiveError(
      /no identity matched/i.test((e as Error).message)
        ? 'age-identity does not open the archive: it was encrypted to other recipients.'
        : 'the archive cannot be decrypted: it is damaged, or not an avalanche-node-backup archive.'
    )
  }
}

/** manifest.json, checked for the fields used; JSON errors are replaced (they quote the text). */
function parseManifest(bytes: Uint8Array): Manifest {
  const m = parseJson(bytes) as Partial<Manifest> | undefined
  const strings = ['nodeId', 'blsPublicKey', 'keyType', 'takenAt', 'host'] as const
  if (
    typeof m !== 'object' ||
    m === null ||
    m.format !== 'avalanche-node-backup/1' ||
    strings.some(k => typeof m[k] !== 'string') ||
    typeof m.sha256 !== 'object' ||
    m.sha256 === null ||
    STAKING_FILES.some(f => typeof m.sha256![f] !== 'string')
  ) {
    throw new ArchiveError(
      "the archive's manifest.json is not an avalanche-node-backup/1 manifest: the archive is damaged or was made by another tool."
    )
  }
  return m as Manifest
}

function parseKeystoreExport(name: string, data: Uint8Array): KeystoreExport {
  const k = parseJson(data) as Partial<KeystoreExport> | undefined
  if (
    typeof k !== 'object' ||
    k === null ||
    typeof k.username !== 'string' ||
    typeof k.user !== 'string'
  )
    throw new ArchiveError(
      `${name.replace(/[^\w./-]/g, '_')} in the archive is not a keystore export: the archive is damaged.`
    )
  return {
    username: k.username,
    user: k.user,
    encoding: typeof k.encoding === 'string' ? k.encoding : 'hex'
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown
  } catch {
    return undefined
  }
}
