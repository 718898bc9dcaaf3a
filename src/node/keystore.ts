import type { NodeApi } from './api.js'
import { RpcUnavailable } from './api.js'

// The Keystore API (users holding keys on the node itself) was removed in avalanchego v1.12.2; older
// nodes serve it on /ext/keystore when started with --api-keystore-enabled. The backup guide asks
// for keystore users to be carried over with their node.

import type { KeystoreCredential } from '../settings/keystore-users.js'

/** A user as keystore.exportUser gives it: encrypted with the user's password. */
export interface KeystoreExport {
  username: string
  user: string
  encoding: string
}

const REMOVED_IN = [1, 12, 2]

/** Whether this node has a keystore to carry, and if not, why (said plainly to the operator). */
export async function keystoreAvailability(
  api: NodeApi
): Promise<{ available: true } | { available: false; why: string }> {
  let version = ''
  try {
    version =
      ((await api.rpc('/ext/info', 'info.getNodeVersion')) as { version?: string }).version ?? ''
  } catch {
    // An old node without getNodeVersion: ask the keystore itself below.
  }
  const v = /(\d+)\.(\d+)\.(\d+)/.exec(version)?.slice(1).map(Number)
  if (v && compare(v, REMOVED_IN) >= 0) {
    return {
      available: false,
      why: `${version} has no Keystore API (removed in v1.12.2): there are no keystore users to carry`
    }
  }
  try {
    await api.rpc('/ext/keystore', 'keystore.listUsers')
    return { available: true }
  } catch (e) {
    if (e instanceof RpcUnavailable) {
      return {
        available: false,
        why: `${version || 'the node'} does not serve the Keystore API (not started with --api-keystore-enabled): there are no keystore users to carry`
      }
    }
    throw e
  }
}

export async function exportUsers(
  api: NodeApi,
  users: KeystoreCredential[]
): Promise<KeystoreExport[]> {
  const out: KeystoreExport[] = []
  for (const u of users) {
    try {
      const r = (await api.rpc('/ext/keystore', 'keystore.exportUser', {
        username: u.username,
        password: u.password,
        encoding: 'hex'
      })) as { user: string; encoding?: string }
      out.push({ username: u.username, user: r.user, encoding: r.encoding ?? 'hex' })
    } catch (e) {
      throw new Error(`keystore.exportUser for '${u.username}' failed: ${(e as Error).message}`)
    }
  }
  return out
}

/** Imports each exported user with its password; a user the node already has is left as it is. */
export async function importUsers(
  api: NodeApi,
  exports: KeystoreExport[],
  users: KeystoreCredential[]
): Promise<string[]> {
  const done: string[] = []
  for (const x of exports) {
    const cred = users.find(u => u.username === x.username)
    if (!cred)
      throw new Error(`keystore-users has no password for '${x.username}', which the archive holds`)
    try {
      await api.rpc('/ext/keystore', 'keystore.importUser', {
        username: x.username,
        password: cred.password,
        user: x.user,
        encoding: x.encoding
      })
      done.push(x.username)
    } catch (e) {
      const msg = (e as Error).message
      if (/already exists/i.test(msg)) done.push(`${x.username} (already there)`)
      else throw new Error(`keystore.importUser for '${x.username}' failed: ${msg}`)
    }
  }
  return done
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0)
  return 0
}
