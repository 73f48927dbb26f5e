// Requires every package through its CJS build and checks the named exports are there.
const names = require('./packages.json')

for (const name of names) {
  const loaded = require(`@harmony-auth/${name}`)
  console.log(`require @harmony-auth/${name}: ${Object.keys(loaded).length} exports`)
}
const errors = require('@harmony-auth/core/errors')
if (typeof errors.HarmonyAuthError !== 'function')
  throw new Error('core/errors: HarmonyAuthError missing')
console.log('require @harmony-auth/core/errors: ok')
