import type { Duplex } from 'node:stream'

export interface ExecResult {
  code: number | null
  stdout: Buffer
  stderr: string
}

/**
 * How we reach a node host: over SSH, or on this machine (a self-hosted runner on the node).
 * Small on purpose: run a command (with optional stdin), open a TCP connection as seen from the
 * host, close. Everything else is built on these.
 */
export interface HostTransport {
  /** For messages: `ubuntu@203.0.113.7:22`, or `this machine`. */
  readonly label: string
  exec(command: string, stdin?: Buffer): Promise<ExecResult>
  /** A TCP connection to host:port as the node host sees it (SSH port forwarding for SSH). */
  openTcp(host: string, port: number): Promise<Duplex>
  /**
   * Starts a command that keeps running until released (its stdin is closed) or the connection
   * ends; resolves once it printed its first line. Used to hold a lock on the host.
   */
  hold(command: string): Promise<Held>
  close(): Promise<void>
}

export interface Held {
  /** The first line the command printed. */
  firstLine: string
  release(): Promise<ExecResult>
}

/** The transport lost its connection; the operation may be retried on a new one. */
export class ConnectionLost extends Error {
  override readonly name = 'ConnectionLost'
}

/** The host refused TCP forwarding (sshd's AllowTcpForwarding no). */
export class ForwardingRefused extends Error {
  override readonly name = 'ForwardingRefused'
}

/** Quotes a value for a POSIX shell command line. */
export function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
