// Placeholder for the root scripts whose features have not landed yet.
const script = process.argv[2] ?? 'this script'
console.error(`npm run ${script}: not yet available`)
process.exit(1)
