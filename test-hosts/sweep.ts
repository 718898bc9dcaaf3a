// Removes test node hosts whose owning process is gone (a run killed before its teardown).
// `npm run hosts:sweep`; also run by Jest before and after the suite.
import { spawnSync } from 'node:child_process'
import { sweepStaleHosts } from './host.ts'

if (process.getuid?.() === 0) {
  sweepStaleHosts()
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(l => l.startsWith('anb-'))
  if (left.length) {
    console.error(`test hosts still up (owned by a running process): ${left.join(', ')}`)
  }
}
