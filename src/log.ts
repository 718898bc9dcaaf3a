/** Where the operations report progress: @actions/core in the action, stderr in the CLI. */
export interface Log {
  info(message: string): void
  debug(message: string): void
  warning(message: string): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/** A message for any thrown value, without a stack (stacks may quote source, never key bytes). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
