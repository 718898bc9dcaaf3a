import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import type { Duplex } from 'node:stream'
import { holdStreams } from './hold.js'
import type { ExecResult, Held, HostTransport } from './transport.js'

/**
 * The node is this machine (a self-hosted runner on the validator, or an operator's shell on it).
 * Commands run through `sh -c` with node:child_process rather than @actions/exec, which echoes each
 * command line to the log and is built for tool output, not byte-exact stdin and stdout.
 */
export function localTransport(): HostTransport {
  return {
    label: 'this machine',
    exec(command: string, stdin?: Buffer): Promise<ExecResult> {
      return new Promise((resolve, reject) => {
        const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] })
        const out: Buffer[] = []
        let stderr = ''
        child.stdout.on('data', (d: Buffer) => out.push(d))
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        child.on('error', reject)
        child.on('close', code => resolve({ code, stdout: Buffer.concat(out), stderr }))
        child.stdin.end(stdin)
      })
    },
    openTcp(host: string, port: number): Promise<Duplex> {
      return new Promise((resolve, reject) => {
        const socket = connect({ host, port })
        socket.once('connect', () => resolve(socket))
        socket.once('error', reject)
      })
    },
    hold(command: string): Promise<Held> {
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'] })
      const ended = new Promise<number | null>(r => child.on('close', r))
      return holdStreams(child.stdin, child.stdout, child.stderr, ended)
    },
    async close() {}
  }
}
