// Host-side shell programs are bundled as text (esbuild's text loader; a Jest transform in tests).
declare module '*.sh' {
  const text: string
  export default text
}
