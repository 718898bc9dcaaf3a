/**
 * The one way settings are read: the action's inputs (action/inputs.ts) and the CLI's flags
 * (cli/flags.ts) both present themselves by the action.yml input names.
 */
export interface InputReader {
  /** A plain input, trimmed; '' when not given. */
  get(name: string): string
  /** A secret input as given (not trimmed); the reader has hidden it from the log already. */
  secret(name: string): string
  bool(name: string): boolean
  /** How the input is named to whoever gave it: `staker-crt` in the action, `--staker-crt` in the CLI. */
  label(name: string): string
}
