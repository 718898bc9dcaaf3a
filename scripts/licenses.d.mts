// Types for scripts/licenses.mjs (imported by the tests).
interface Metafile {
  inputs: Record<string, unknown>
}
export function bundledPackages(metafiles: Metafile[]): string[]
export function licenseNotices(root: string, metafiles: Metafile[]): string
