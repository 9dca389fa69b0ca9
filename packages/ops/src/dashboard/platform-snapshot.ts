/**
 * What `/platform.json` carries: what only this project knows about an environment, next to what
 * Prefect's own UI shows. The page (web/) imports this type; the server builds it.
 */
export interface PlatformSnapshot {
  readonly env: string;
  readonly region: string;
  /** When the snapshot was assembled (ISO time). */
  readonly generatedAt: string;
  readonly prefect: {
    /** The Prefect UI's base URL (objects open there). */
    readonly uiUrl?: string;
    /** The work pool the platform's worker serves. */
    readonly workPool: string;
  };
  /** The infra outputs a person looks at first, in display order. */
  readonly outputs: readonly { readonly name: string; readonly value: string }[];
  /** The images the services' task definitions pin, with the platform read from the registry. */
  readonly images: readonly PinnedImage[] | SectionError;
  /** The last deployer plan (`flows-deployer plan --json`), when a plan file was given. */
  readonly deployerPlan?: DeployerPlanSummary | SectionError;
  /** `platform-ops doctor`'s checks. */
  readonly doctor: DoctorSummary | SectionError;
  /** `platform-ops cost`'s monthly estimate. */
  readonly cost: CostSummary | SectionError;
}

/** A section that could not be read: the page shows why, the rest still renders. */
export interface SectionError {
  readonly error: string;
}

/** One image reference a service runs. */
export interface PinnedImage {
  /** Where it is used: an ECS service or the deployer task. */
  readonly usedBy: string;
  /** The reference as the task definition has it. */
  readonly reference: string;
  /** `sha256:…` when the reference pins a digest; absent for a tag (mutable). */
  readonly digest?: string;
  /** `linux/amd64` as read from the registry, or why it could not be read. */
  readonly platform?: string;
}

/** What the deployer would change. */
export interface DeployerPlanSummary {
  readonly file: string;
  /** When the plan file was written. */
  readonly at: string;
  /** True when the plan changes nothing. */
  readonly clean: boolean;
  /** Counts of planned actions by kind (create, update, delete…). */
  readonly actions: Readonly<Record<string, number>>;
}

/** The doctor report, reduced to what the panel shows. */
export interface DoctorSummary {
  readonly ok: boolean;
  readonly checks: readonly { readonly id: string; readonly title: string; readonly ok: boolean; readonly found: string; readonly fix?: string }[];
}

/** The cost estimate, reduced to what the panel shows. */
export interface CostSummary {
  readonly totalUsd: number;
  readonly pricesAsOf: string;
  readonly largest: readonly { readonly description: string; readonly monthlyUsd: number }[];
}

/** Narrows a section to its error form. */
export function isSectionError(value: unknown): value is SectionError {
  return typeof value === 'object' && value !== null && typeof (value as SectionError).error === 'string';
}
