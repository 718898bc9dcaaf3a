import { Decrypter, Encrypter } from 'age-encryption'
import { STAKING_FILES, type StakingFile } from '../identity/errors.js'
import { sha256Hex } from '../node/node-host.js'
import { readTar, writeTar } from './tar.js'
import type { KeystoreExport } from '../node/keystore.js'

/** What the archive says about itself, next to the three files. */
export interface Manifest {
  format: 'avalanche-node-backup/1'
  nodeId: string
  blsPublicKey: string
  keyType: string
  /** sha256 (hex) of each file. */
  sha256: Record<StakingFile, string>
  takenAt: string
  host: string
  /** Keystore users exported with the files (old nodes only), each in keystore/NAME.json. */
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
  files: Record<StakingFile, Uint8Array>,
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
      ...keystore.map(k => ({
        name: `keystore/${k.username.replace(/[^\w.-]/g, '_')}.json`,
        data: Buffer.from(JSON.stringify(k) + '\n')
      }))
    ],
    new Date(manifest.takenAt)
  )
  const e = new Encrypter()
  for (const r of recipients) {
    try {
      e.addRecipient(r)
    } catch {
      throw new ArchiveError(
        `age-recipients: '${r.length > 20 ? r.slice(0, 20) + '…' : r}' is not an age recipient (age1…); make one with age-keygen.`
      )
    }
  }
  return e.encrypt(tar)
}

/** Opens an archive with an age identity; checks each file against the manifest. */
export async function openArchive(
  sealed: Uint8Array,
  identity: string
): Promise<{
  files: Record<StakingFile, Uint8Array>
  manifest: Manifest
  keystore: KeystoreExport[]
}> {
  const d = new Decrypter()
  const keys = identity
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l.startsWith('AGE-SECRET-KEY-'))
  if (keys.length === 0)
    throw new ArchiveError(
      'age-identity holds no AGE-SECRET-KEY-1… line: give the contents of the key file age-keygen wrote.'
    )
  keys.forEach(k => d.addIdentity(k))
  let tar: Uint8Array
  try {
    tar = await d.decrypt(sealed)
  } catch (e) {
    const msg = (e as Error).message
    throw new ArchiveError(
      /no identity matched|no matching|incorrect/i.test(msg)
        ? 'age-identity does not open the archive: it was encrypted to other recipients.'
        : `the archive cannot be decrypted: ${msg}. Is it an avalanche-node-backup archive?`
    )
  }
  const entries = new Map(readTar(tar).map(e => [e.name, e.data]))
  const manifestBytes = entries.get('manifest.json')
  if (!manifestBytes)
    throw new ArchiveError(
      'the archive has no manifest.json: it was not made by avalanche-node-backup.'
    )
  const manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as Manifest
  const files = {} as Record<StakingFile, Uint8Array>
  for (const f of STAKING_FILES) {
    const data = entries.get(`staking/${f}`)
    if (!data) throw new ArchiveError(`the archive has no staking/${f}.`)
    if (sha256Hex(data) !== manifest.sha256?.[f])
      throw new ArchiveError(
        `staking/${f} in the archive does not match its manifest: the archive is damaged.`
      )
    files[f] = data
  }
  const keystore = [...entries]
    .filter(([name]) => name.startsWith('keystore/'))
    .map(([, data]) => JSON.parse(Buffer.from(data).toString('utf8')) as KeystoreExport)
  return { files, manifest, keystore }
}
