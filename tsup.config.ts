import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig } from 'tsup'

interface PackageManifest {
  name: string
  exports: Record<string, string | { import?: { default?: string } }>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

/** Maps a dist file such as `./dist/errors.js` to its source `src/errors.ts`. */
function sourceOf(distPath: string): string {
  return distPath.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')
}

// Entry points that no `exports` subpath names: the CLI's bin launcher imports dist/bin.js.
const EXTRA_ENTRIES: Record<string, string[]> = {
  '@harmony-auth/cli': ['src/bin.ts'],
}

/**
 * Collects the entry points of the package in the current folder: every `exports` subpath with an
 * `import` branch, plus the extra entries listed above. Each package runs this config from its
 * own folder.
 */
function entriesOf(manifest: PackageManifest): string[] {
  const entries = new Set<string>(EXTRA_ENTRIES[manifest.name] ?? [])
  for (const target of Object.values(manifest.exports)) {
    if (typeof target === 'object' && target.import?.default) {
      entries.add(sourceOf(target.import.default))
    }
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
