import type { FeedService } from './gbfs/gbfs.service.js'
import type { StatusService } from './status/status.service.js'

/**
 * Every use case the console and the API offer. IPC handlers and HTTP routes both call these;
 * neither holds logic of its own.
 */
export interface Services {
  status: StatusService
  /** GBFS feed health and station freshness. */
  feeds: FeedService
}
