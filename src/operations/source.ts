import { readFileSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { InputError } from '../errors.js'
import type { IdentityFiles } from '../identity/checks.js'
import { STAKING_FILES } from '../identity/errors.js'
import { renderingsOf } from '../identity/material.js'
import type { Log } from '../log.js'
import type { KeystoreExport } from '../node/keystore.js'
import type { BackupSource } from '../settings/modes.js'

/** A path-form input read as a file (`~/`: the runner user's home); undefined when it is not one. */
export function readPathInput(path: string): Buffer | undefined {
  const full = path.startsWith('~/') ? (process.env.HOME || homedir()) + path.slice(1) : path
  try {
    if (!statSync(full).isFile()) return undefined
    return readFileSync(full)
  } catch {
    return undefined
  }
}

/** Hides every rendering of the key material in these files from the log. */
export function hideFiles(files: Partial<Record<string, Uint8Array>>, log: Log): void {
  for (const f of ['staker.key', 'signer.key'])
    if (files[f]) log.secret(renderingsOf(Buffer.from(files[f])))
}

/** The backup's files: as given, or out of the archive (decrypted with the age identity). */
export async function openSource(
  source: BackupSource,
  log: Log
): Promise<{ files: IdentityFiles; keystore: KeystoreExport[] }> {
  if (source.kind === 'files') return { files: source.files, keystore: [] }
  // The path is never quoted back: a secret pasted into the wrong input would be printed.
  const sealed = readPathInput(source.path)
  if (!sealed)
    throw new InputError(
      'archive: there is no readable file at the path given. Give the path of the .tar.age file mode backup wrote (its archive output).'
    )
  // age loads only when an archive is opened.
  const { ArchiveError, openArchive } = await import('../archive/archive.js')
  let opened: Awaited<ReturnType<typeof openArchive>>
  try {
    opened = await openArchive(sealed, source.identity)
  } catch (e) {
    // ArchiveError messages are our own words; anything else may quote the file.
    throw new InputError(
      `archive: ${e instanceof ArchiveError ? e.message : 'the file cannot be opened as an avalanche-node-backup archive.'}`
    )
  }
  hideFiles(opened.files, log)
  log.debug(
    `archive: taken ${opened.manifest.takenAt} from ${opened.manifest.host}, ${opened.manifest.nodeId}`
  )
  const files = Object.fromEntries(STAKING_FILES.map(f => [f, opened.files[f]])) as IdentityFiles
  return { files, keystore: opened.keystore }
}
