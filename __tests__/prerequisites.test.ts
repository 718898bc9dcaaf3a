import { spawnSync } from 'node:child_process'
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import { describeWith, ROOT } from './support/prerequisites.js'
import { tempDir } from './support/tmp.js'

/** The host tests run by Jest as an unprivileged user (nobody), so their prerequisite is missing. */
function hostTestsWithoutRoot(ci: string) {
  const home = tempDir('nobody')
  chmodSync(home, 0o777)
  const jest = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js')
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      'env',
      '-i',
      `PATH=${process.env.PATH}`,
      `HOME=${home}`,
      `CI=${ci}`,
      process.execPath,
      '--experimental-vm-modules',
      '--disable-warning=ExperimentalWarning',
      jest,
      `--cacheDirectory=${join(home, 'cache')}`,
      '__tests__/hosts.test.ts'
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }
  )
  return { code: r.status, out: r.stdout + r.stderr }
}

describeWith(
  'root (to run the suite as another user)',
  process.getuid?.() === 0,
  'a missing prerequisite',
  () => {
    const message =
      'test node hosts: needs root (network and mount namespaces), which this machine does not have.'

    it('fails the run under CI=true, saying what is missing and where it is installed', () => {
      const r = hostTestsWithoutRoot('true')
      expect(r.code).toBe(1)
      expect(r.out).toContain(`${message} Under CI this is a failure: install it (see .ci/run).`)
    })

    it('elsewhere skips those tests, with the message printed once', () => {
      const r = hostTestsWithoutRoot('')
      expect(r.code).toBe(0)
      expect(r.out.split(`skipped: ${message}`)).toHaveLength(2)
      expect(r.out).toMatch(/Tests:\s+\d+ skipped, \d+ total/)
    })
  }
)
