import type { FlowCodeStore } from '../../src/flow-code';

/** An in-memory store (tests, benchmark). */
export class MemoryFlowCodeStore implements FlowCodeStore {
  readonly description = 'memory://flow-storage';
  readonly objects = new Map<string, Buffer>();
  /** Keys written, in order. */
  readonly writes: string[] = [];
  heads = 0;

  async exists(key: string): Promise<boolean> {
    this.heads++;
    return this.objects.has(key);
  }

  async put(key: string, body: Buffer): Promise<void> {
    this.writes.push(key);
    this.objects.set(key, body);
  }
}
