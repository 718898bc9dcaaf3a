export function hostScriptsModule(): string
