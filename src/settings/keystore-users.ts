/** A keystore user to export or import (nodes before v1.12.2), with its password. */
export interface KeystoreCredential {
  username: string
  password: string
}

/** The keystore-users input: a JSON list of {username, password}. */
export function parseKeystoreUsers(text: string, fail: (m: string) => Error): KeystoreCredential[] {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw fail('keystore-users must be JSON: [{"username": "…", "password": "…"}, …]')
  }
  if (
    !Array.isArray(v) ||
    !v.every(
      u => u && typeof u.username === 'string' && u.username && typeof u.password === 'string'
    )
  ) {
    throw fail('keystore-users must be a JSON list of {"username": "…", "password": "…"}')
  }
  return v.map(u => ({ username: u.username as string, password: u.password as string }))
}
