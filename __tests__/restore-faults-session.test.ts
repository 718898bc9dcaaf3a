// Crash-safe restore (1 of 2): the SSH connection or the runner goes away at each named point.
import { describeFaultMatrix } from './support/fault-matrix.js'

describeFaultMatrix(['connection lost', 'runner cancelled'])
