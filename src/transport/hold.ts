import type { Writable, Readable } from 'node:stream'
import type { ExecResult, Held } from './transport.js'

/**
 * Shared by the transports: waits for the first stdout line of a running command; release()
 * closes its stdin and resolves with how it ended.
 */
export function holdStreams(
  stdin: Writable,
  stdout: Readable,
  stderr: Readable,
  ended: Promise<number | null>
): Promise<Held> {
  let out = ''
  let err = ''
  stderr.on('data', (d: Buffer) => (err += d.toString()))
  const result = ended.then(code => ({ code, stdout: Buffer.from(out), stderr: err }) as ExecResult)
  return new Promise((resolve, reject) => {
    stdout.on('data', (d: Buffer) => {
      const before = out
      out += d.toString()
      if (!before.includes('\n') && out.includes('\n')) {
        resolve({
          firstLine: out.slice(0, out.indexOf('\n')),
          release: () => {
            stdin.end()
            return result
          }
        })
      }
    })
    void result.then(r => {
      if (!out.includes('\n'))
        reject(Object.assign(new Error(r.stderr.trim() || `exited with ${r.code}`), { result: r }))
    }, reject)
  })
}
