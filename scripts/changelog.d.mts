// Types for scripts/changelog.mjs (imported by the tests).
export const VERSION: RegExp
export function compareVersions(a: string, b: string): -1 | 0 | 1
export function sectionBody(text: string, name: string): string | undefined
export function releasedVersions(text: string): string[]
export function releaseUnreleased(text: string, version: string, date: string): string
