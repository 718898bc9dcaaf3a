// ssh2's key parser alone: settings check a key before anything connects, and the CLI's verify
// and probe start without the rest of the SSH stack (ssh2's index loads its HTTP agents).
import keyParser from 'ssh2/lib/protocol/keyParser.js'
import { InputError } from '../errors.js'

/**
 * Checks the private key can be read (with its passphrase) before anything connects, and
 * explains the usual mistakes: a public key, or a key whose line breaks became spaces.
 */
export function checkPrivateKey(privateKey: string, passphrase?: string, input = 'ssh-key'): void {
  const text = privateKey.trim()
  if (
    /^(ssh-|ecdsa-|sk-)\S+ AAAA/.test(text) ||
    /^-----BEGIN (SSH2 |RSA )?PUBLIC KEY-----/.test(text) ||
    /^---- BEGIN SSH2 PUBLIC KEY ----/.test(text)
  )
    throw new InputError(
      `${input} is a public key (the .pub file). Give the private key: the file without .pub (e.g. ~/.ssh/id_ed25519), whose public half is in the host's authorized_keys.`
    )
  if (
    /^-----BEGIN [A-Z ]*PRIVATE KEY-----[^\n]* [^\n]*-----END [A-Z ]*PRIVATE KEY-----$/.test(text)
  )
    throw new InputError(
      `${input} has its line breaks turned into spaces (as a one-line text field does). Store the key file as it is, e.g. \`gh secret set SSH_KEY < ~/.ssh/id_ed25519\`.`
    )
  if (/^-----BEGIN [A-Z ]*PRIVATE KEY-----\\n/.test(text))
    throw new InputError(
      `${input} has its line breaks written as \\n (two characters). Store the key file as it is, e.g. \`gh secret set SSH_KEY < ~/.ssh/id_ed25519\`.`
    )
  const parsed = keyParser.parseKey(privateKey, passphrase)
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message)
    const pass = input.replace(/key$/, 'passphrase')
    throw new InputError(
      encrypted
        ? `${input} is encrypted and ${passphrase ? `${pass} does not open it` : `no ${pass} was given`}.`
        : `${input} cannot be read (${parsed.message.replace(/^Cannot parse privateKey: /, '')}). Give the private key text, OpenSSH or PEM, ed25519, ECDSA or RSA.`
    )
  }
}
