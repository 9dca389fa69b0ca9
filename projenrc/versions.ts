/**
 * Tool versions pinned in one place. Each pin has a reason that bites when it
 * drifts, so they are not left to `*` resolution.
 */
export const VERSIONS = {
  /** pnpm 11 needs Node 22; the fleet runs Node 20. */
  pnpm: '10.34.9',
  /** TS 7 (the Go port) breaks ts-jest. */
  typescript: '~5.9.3',
  jest: '^30',
  tsJest: '^29.4',
  nodeTypes: '^20',
  minNode: '20.9.0',
  nx: '^24.0.6',
  /** Pins the hashicorp/aws 5.100.0 provider, the only one in the offline mirror. */
  cdktfProviderAws: '20.1.0',
  cdktf: '0.21.0',
  constructs: '^10.4.2',
} as const;
