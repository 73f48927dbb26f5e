#!/usr/bin/env node
console.error('harmony-auth: not yet available')
process.exit(1)
