import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const root = dirname(fileURLToPath(import.meta.url))
const packages = ['core', 'filesystem', 'aws', 'azure', 'vault', 'testing', 'cli']

// Tests import sibling packages from source, so a change in core is seen without a rebuild.
// Tests that need the published shape (consumer check, CLI, examples) spawn Node on the builds.
const alias = [
  {
    find: /^@harmony-auth\/([a-z]+)$/,
    replacement: join(root, 'packages/$1/src/index.ts'),
  },
  {
    find: /^@harmony-auth\/([a-z]+)\/([a-z-]+)$/,
    replacement: join(root, 'packages/$1/src/$2.ts'),
  },
]

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      ...packages.map((name) => ({
        resolve: { alias },
        test: {
          name,
          root: join(root, 'packages', name),
          include: ['test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      })),
      {
        resolve: { alias },
        test: {
          name: 'examples',
          root: join(root, 'examples'),
          include: ['*/test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
