import type { z } from 'zod';

/**
 * How config and the contract files are parsed: once per process. On an object schema's first
 * parse zod compiles a fast path (`new Function`), which pays only over many parses; for one it
 * costs a CLI's start ~20 ms of CPU (config's schema: 36 ms with it, 13 ms without).
 */
export const PARSE_ONCE: z.core.ParseContext<z.core.$ZodIssue> = { jitless: true };
