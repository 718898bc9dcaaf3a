// Crash-safe restore (2 of 2): the disk fills up or a rename is refused at each named point.
import { describeFaultMatrix } from './support/fault-matrix.js'

describeFaultMatrix(['disk full', 'rename refused'])
