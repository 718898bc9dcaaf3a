// Jest: host-side shell programs (src/node/*.sh) load as text, as esbuild's text loader bundles them.
/* global module */
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` }
  }
}
