import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made: string[] = []

/** A fresh temporary directory, removed when the test file ends (test keys go there). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `anb-${prefix}-`))
  made.push(dir)
  return dir
}

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})
