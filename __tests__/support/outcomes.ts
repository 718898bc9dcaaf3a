// Outcomes built by hand for the renderers' tables (src/render/): no runner, no host.
import type { IdentityReport } from '../../src/identity/checks.js'
import type { ProbeOutcome } from '../../src/operations/probe.js'
import type { RestoreOutcome } from '../../src/operations/restore.js'
import type { VerifyOutcome } from '../../src/operations/verify.js'

export const A = 'NodeID-7Xhw2mDxuDS44j42TCB6U5579esbSt3Lg'
export const B = 'NodeID-MFrZFVCXPv5iCn6M9K6XduxGTYp891xXZ'
export const BLS = '0x' + 'ab'.repeat(48)

export const report = (over: Partial<IdentityReport> = {}): IdentityReport => ({
  ok: true,
  nodeId: A,
  blsPublicKey: BLS,
  keyType: 'RSA-4096',
  checks: [
    { id: 'node-id', title: 'NodeID is the expected one', status: 'pass', expected: A, found: A }
  ],
  ...over
})

export const restore = (over: Record<string, unknown> = {}): RestoreOutcome =>
  ({
    mode: 'restore',
    ok: true,
    identity: report(),
    changed: true,
    hostState: 'restored',
    expectedNodeId: A,
    nodeAsked: true,
    nodeId: A,
    blsPublicKey: BLS,
    previousNodeId: B,
    previousFiles: '/var/lib/avalanche-node-backup/abc/previous-1',
    downtimeMs: 1234,
    host: 'ubuntu@node:22',
    steps: [{ name: 'Connect', status: 'done', ms: 12 }],
    registration: { state: 'not-asked' },
    ...over
  }) as RestoreOutcome

export const verify = (over: Partial<VerifyOutcome> = {}): VerifyOutcome => ({
  mode: 'verify',
  ok: true,
  report: report(),
  expected: { nodeId: A },
  live: false,
  registration: { state: 'not-asked' },
  ...over
})

export const probe: ProbeOutcome = {
  mode: 'probe',
  ok: false,
  nodes: [
    { host: '10.0.0.1', port: 9651, nodeId: A, expected: A, match: true, tlsMs: 3 },
    { host: '10.0.0.2', port: 9651, nodeId: A, expected: B, match: false, tlsMs: 4 },
    { host: '10.0.0.3', port: 9651, error: 'connection refused', expected: B }
  ]
}
