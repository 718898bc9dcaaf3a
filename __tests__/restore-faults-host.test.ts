// Crash-safe restore (2 of 2): the disk fills up or a rename is refused at each named point.
import { hostPrerequisites } from '../test-hosts/host.js'
import { POINTS } from './support/faults.js'
import { checkCase, runCase, type Fault } from './support/fault-matrix.js'
import { describeWith, HAVE_VECTORS } from './support/prerequisites.js'

const missing = hostPrerequisites() ?? (HAVE_VECTORS ? undefined : '../shared/vectors')
const FAULTS: Fault[] = ['disk full', 'rename refused']

describeWith(missing ?? 'root, sshd', !missing, 'a restore interrupted on the host', () => {
  describe.each(FAULTS)('%s', fault => {
    it.each(POINTS.map((p, i) => [p, i] as const))(
      'at %s: the host ends with one whole identity, and the action says which',
      async (point, i) => {
        const c = await runCase(fault, point, i)
        checkCase(c, fault, point)
      },
      120_000
    )
  })
})
