import { redactSecrets, UserError, UserErrorOptions } from '@blog-data/cli-kit';

/**
 * A failure of a Prefect API call the user can act on: cli-kit's {@link UserError}, so every CLI
 * (flows-deployer, platform-ops) prints it the same way, `<what> (<where>): <how to fix>`. A
 * subclass only to tell Prefect failures apart (`kind: 'prefect-api'`); URL credentials are
 * redacted here too, because library callers (doctor's checks) print messages themselves.
 */
export class PrefectApiError extends UserError {
  constructor(what: string, where?: string, fix?: string, options: UserErrorOptions = {}) {
    super(redactSecrets(what), where === undefined ? undefined : redactSecrets(where), fix, { kind: 'prefect-api', ...options });
    this.name = 'PrefectApiError';
  }
}

// One formatting of thrown values for the whole repository (cli-kit); re-exported for the package's callers.
export { isErrorLike, messageOf } from '@blog-data/cli-kit';
