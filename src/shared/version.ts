import { version } from '../../package.json'

export const APP_VERSION: string = version
export const APP_NAME = 'Bay Wheels Station Balancer'
/** What GET / has always answered (seed 001); crew devices use it as a liveness check. */
export const SERVICE_MESSAGE = 'Bay Wheels Orchestration & Dispatch Service'
