// Size comes first: an input no staking file could be is refused by its size, unread, with a
// message naming the input, through the built action and the built CLI (a 10 MB staker.crt once
// ended in "Maximum call stack size exceeded"). No wall-clock assertion (the house rule); the
// "refused unread" in each message is the proof that nothing was parsed.
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MAX_FILE_BYTES } from '../../src/identity/certificate.js'
import { MAX_INPUT_CHARS } from '../../src/identity/material.js'
import { describeWith, HAVE_NODE24, HAVE_VECTORS, NODE24, ROOT } from '../support/prerequisites.js'
import { runAction } from '../support/runner.js'
import { tempDir } from '../support/tmp.js'
import { staker, vectorPath, vectors } from '../support/vectors.js'

describeWith(
  'node24 and ../shared/vectors',
  HAVE_NODE24 && HAVE_VECTORS,
  'oversized staking files (built action and CLI)',
  () => {
    const s1 = staker(0)
    const v1 = vectors.stakers[0]!
    // A real certificate followed by 10 MB of base64-looking lines: what a wrong file can be.
    const big = Buffer.concat([s1.crt, Buffer.from(('QUFB'.repeat(16) + '\n').repeat(160_000))])
    const bigPath = join(tempDir('big'), 'staker.crt')
    writeFileSync(bigPath, big)
    const noCrash = (text: string) => {
      expect(text).not.toMatch(/Maximum call stack|RangeError|\n\s+at /)
    }

    it('the action refuses a path to a 10 MB staker.crt by its size', async () => {
      const run = await runAction({
        'staker-crt': bigPath,
        'staker-key': s1.key.toString(),
        'signer-key': s1.signer.toString('base64'),
        'expected-node-id': v1.nodeID
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(
        `staker.crt: the staker-crt input names a file of ${big.length} bytes; a staker.crt is a few KB, so files over ${MAX_FILE_BYTES} bytes are refused unread`
      )
      noCrash(run.stdout + run.stderr)
    })

    it('the action refuses a secret longer than any staking file by its size', async () => {
      // Just under what an environment variable can carry (the runner passes inputs that way).
      const text = big.subarray(0, 120_000).toString()
      const run = await runAction({
        'staker-crt': s1.crt.toString(),
        'staker-key': text,
        'signer-key': s1.signer.toString('base64'),
        'expected-node-id': v1.nodeID
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toContain(
        `staker.key: the staker-key input is 120000 characters; the staker.key it should hold is a few KB, so inputs over ${MAX_INPUT_CHARS} characters are refused unread`
      )
      noCrash(run.stdout + run.stderr)
    })

    it('the CLI refuses a 10 MB staker.crt by its size, in verify and node-id', () => {
      const cli = (...args: string[]) => {
        const r = spawnSync(NODE24, [join(ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8' })
        noCrash(r.stdout + r.stderr)
        return r
      }
      const verify = cli(
        'verify',
        '--staker-crt',
        bigPath,
        '--staker-key',
        vectorPath(v1.key),
        '--signer-key',
        vectorPath(v1.signer)
      )
      // The same reader as the action's: the file is refused unread, by its size.
      expect(verify.status).toBe(1)
      expect(verify.stdout).toContain(
        `staker.crt: the --staker-crt input names a file of ${big.length} bytes; a staker.crt is a few KB, so files over ${MAX_FILE_BYTES} bytes are refused unread`
      )
      const nodeId = cli('node-id', bigPath)
      expect(nodeId.status).toBe(1)
      expect(nodeId.stderr).toContain(`${big.length} bytes; a staker.crt is a few KB`)
    })
  }
)
