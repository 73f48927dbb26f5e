import { afterEach, describe, expect, it, vi } from 'vitest'
import { DemoRunner, expectThat, StepFailure } from '../src/runner.js'

describe('DemoRunner', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('returns 0 and cleans up after passing steps', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const runner = new DemoRunner()
    const order: string[] = []
    const code = await runner.run([
      {
        title: 'first',
        run: () => {
          runner.defer('server a', () => void order.push('a'))
          return Promise.resolve()
        },
      },
      {
        title: 'second',
        run: () => {
          runner.defer('server b', () => void order.push('b'))
          return Promise.resolve()
        },
      },
    ])
    expect(code).toBe(0)
    expect(order).toEqual(['b', 'a'])
  })

  it('names the failed step and still cleans up', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const runner = new DemoRunner()
    const cleaned: string[] = []
    const third = vi.fn(() => Promise.resolve())
    const code = await runner.run([
      {
        title: 'start a server',
        run: () => {
          runner.defer('server', () => void cleaned.push('server'))
          return Promise.resolve()
        },
      },
      {
        title: 'expect a 401',
        run: () => Promise.reject(new StepFailure('expected 401, got 200')),
      },
      { title: 'never runs', run: third },
    ])
    expect(code).toBe(1)
    expect(third).not.toHaveBeenCalled()
    expect(cleaned).toEqual(['server'])
    const message = errors.mock.calls.map((call) => String(call[0])).join('\n')
    expect(message).toContain('demo failed at step 2 (expect a 401): expected 401, got 200')
  })

  it('runs every cleanup when one fails', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined)
    vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const runner = new DemoRunner()
    const cleaned: string[] = []
    runner.defer('first', () => void cleaned.push('first'))
    runner.defer('broken', () => Promise.reject(new Error('close failed')))
    await runner.cleanUp()
    expect(cleaned).toEqual(['first'])
  })
})

describe('expectThat', () => {
  it('throws a StepFailure with the message', () => {
    expect(() => expectThat(false, 'expected 201')).toThrow(StepFailure)
    expect(() => expectThat(false, 'expected 201')).toThrow('expected 201')
  })

  it('passes when the condition holds', () => {
    expect(() => expectThat(true, 'unused')).not.toThrow()
  })
})
