/** Where the operations report progress: @actions/core in the action, stderr in the CLI. */
export interface Log {
  info(message: string): void
  debug(message: string): void
  warning(message: string): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /**
   * Values never to be shown from now on (key material read at run time, each of its renderings):
   * the action masks them in the runner's log; a terminal prints none of them anyway. `whole`:
   * each value is a secret as it stands, however short (a password), not lines of a key's text.
   */
  secret(values: readonly string[], whole?: boolean): void
}

/** A message for any thrown value, without a stack (stacks may quote source, never key bytes). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * Our own words for a failed file operation, naming the input and never the path: Node's fs
 * errors quote the path, which is an input value (and could be a secret pasted into the wrong
 * input). Errors that are not fs errors keep their message (ours).
 */
export function fileErrorMessage(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code
  if (typeof code !== 'string' || !(e instanceof Error) || !('syscall' in e)) return errorMessage(e)
  const why: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EEXIST: 'a file already exists there (nothing is written over)',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
    ENOSPC: 'no space left on the device',
    EROFS: 'the file system is read-only'
  }
  return `${what}: ${why[code] ?? `the file operation failed (${code})`}`
}
