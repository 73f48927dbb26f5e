import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig } from 'tsup'

interface PackageManifest {
  name: string
  exports: Record<string, string | { import?: { default?: string } }>
  bin?: Record<string, string>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

/** Maps a dist file such as `./dist/errors.js` to its source `src/errors.ts`. */
function sourceOf(distPath: string): string {
  return distPath.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')
}

/**
 * Collects the entry points of the package in the current folder: every `exports` subpath with an
 * `import` branch, plus every `bin` file. Each package runs this config from its own folder.
 */
function entriesOf(manifest: PackageManifest): string[] {
  const entries = new Set<string>()
  for (const target of Object.values(manifest.exports)) {
    if (typeof target === 'object' && target.import?.default) {
      entries.add(sourceOf(target.import.default))
    }
  }
  for (const binPath of Object.values(manifest.bin ?? {})) {
    entries.add(sourceOf(binPath))
  }
  return [...entries]
}

const manifest = JSON.parse(
  readFileSync(join(process.cwd(), 'package.json'), 'utf8'),
) as PackageManifest

export default defineConfig({
  entry: entriesOf(manifest),
  format: ['esm', 'cjs'],
  target: 'node20',
  platform: 'node',
  outDir: 'dist',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: false,
  treeshake: false,
  shims: false,
  external: [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ],
  tsconfig: join(process.cwd(), 'tsconfig.json'),
  outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
})
