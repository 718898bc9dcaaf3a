// ssh2 ships no types for its key parser module; @types/ssh2 describes the same function as utils.parseKey.
declare module 'ssh2/lib/protocol/keyParser.js' {
  import type { ParsedKey } from 'ssh2'
  const keyParser: {
    parseKey(data: string | Buffer, passphrase?: string): ParsedKey | ParsedKey[] | Error
  }
  export default keyParser
}
