/** Bad usage: an input that is missing, malformed or contradicts another. CLI exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError'
}
