import * as path from 'node:path';

/** The Prefect server version whose REST contract this package speaks. */
export const PREFECT_API_CONTRACT_VERSION = '3.8.3';

/** The committed OpenAPI document of that version (`openapi/`, shipped with the package). */
export const PREFECT_OPENAPI_DOCUMENT = path.join(__dirname, '..', 'openapi', `prefect-${PREFECT_API_CONTRACT_VERSION}.json`);
