// Runs the CommonJS gateway in main.cts. Only tsx's require hook is registered, not its ESM
// loader: on Node.js 20, CommonJS packages that require JSON files (Express does) fail when they
// are loaded through an ESM loader hook, so `tsx main.cts` and `node --import tsx` do not work.
require('tsx/cjs/api').register()
require('./main.cts')
