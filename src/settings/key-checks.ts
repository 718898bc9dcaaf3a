import { encrypterFor } from '../archive/archive.js'
import { InputError } from '../errors.js'
import { errorMessage } from '../log.js'
import { checkPrivateKey } from '../transport/private-key.js'

/**
 * Checks of key material in the settings that need a library (age, ssh2's key parser), passed to
 * parsing in its context: the CLI loads them only for the commands that take such keys, so that
 * verify and probe start without them (npm run bench).
 */
export interface KeyChecks {
  /** age-recipients: each one age can encrypt to; `input` names them in errors. */
  recipients(recipients: string[], input: string): void
  /** An SSH private key that can be read (with its passphrase); `input` names it in errors. */
  privateKey(text: string, passphrase: string | undefined, input: string): void
}

export const keyChecks: KeyChecks = {
  recipients: (recipients, input) => {
    try {
      encrypterFor(recipients)
    } catch (e) {
      throw new InputError(errorMessage(e).replace(/^age-recipients:/, `${input}:`))
    }
  },
  privateKey: checkPrivateKey
}
