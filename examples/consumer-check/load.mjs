// Imports every package through its ESM build and checks the named exports are there.
import { readFileSync } from 'node:fs'

const names = JSON.parse(readFileSync(new URL('./packages.json', import.meta.url), 'utf8'))
for (const name of names) {
  const loaded = await import(`@harmony-auth/${name}`)
  console.log(`import @harmony-auth/${name}: ${Object.keys(loaded).length} exports`)
}
const errors = await import('@harmony-auth/core/errors')
if (typeof errors.HarmonyAuthError !== 'function')
  throw new Error('core/errors: HarmonyAuthError missing')
console.log('import @harmony-auth/core/errors: ok')
