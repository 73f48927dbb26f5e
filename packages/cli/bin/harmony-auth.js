#!/usr/bin/env node
// Launcher for the built CLI. It lives outside dist so that npm links the `harmony-auth` command
// at install time, before the workspace build has produced dist/bin.js.
const entry = new URL('../dist/bin.js', import.meta.url)

try {
  await import(entry.href)
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes(entry.pathname)) {
    console.error('harmony-auth: the CLI is not built yet; run `npm run build` in the repository')
    process.exit(1)
  }
  throw error
}
