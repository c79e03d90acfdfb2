import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  nativeTheme,
  Notification,
  session,
  shell,
  type IpcMainInvokeEvent,
} from 'electron'
import { defaultDataDir, loadSettings, type Settings } from '../server/config/settings.js'
import { logDirOf, openLogFiles } from '../server/log-files.js'
import { createTeeLogger } from '../server/logger.js'
import { startServer } from '../server/runtime.js'
import { ENGINE_WORKER_FILE, useEngineWorker } from '../server/engine/worker/plan-runner.js'
import { APP_NAME } from '../shared/version.js'
import { contentSecurityPolicy } from '../shared/csp.js'
import { chooseTripFiles } from './dialogs.js'
import { createHandlers, type EmitEvent } from './handlers.js'
import { broadcast, registerHandlers } from './ipc.js'
import { forwardChanges } from './live-events.js'
import { startDesktopNotifications } from './notifications.js'
import {
  appUrlMatcher,
  denyPermissions,
  enforceContentSecurityPolicy,
  hardenWebContents,
} from './security.js'
import { createServerSupervisor, failedStartStatus } from './server-supervisor.js'

/** How often the window hears the connection state unasked, so a lost database shows up. */
const STATUS_PUSH_MS = 5_000

const here = dirname(fileURLToPath(import.meta.url))
// The engine plans in a worker thread built next to this file (electron.vite.config.ts).
useEngineWorker(new URL(`./${ENGINE_WORKER_FILE}`, import.meta.url))
const rendererFile = join(here, '../renderer/index.html')
const devServerUrl = app.isPackaged ? null : (process.env.ELECTRON_RENDERER_URL ?? null)
const isAppUrl = appUrlMatcher(devServerUrl ?? pathToFileURL(rendererFile).href)
const log = createTeeLogger()
const logger = log.logger
// The desktop app keeps its log in its data directory (stderr goes nowhere when it is started
// from a desktop menu): the same directory loadSettings() picks, which has no flags here.
const logDir = logDirOf(process.env.BALANCER_DATA_DIR || defaultDataDir())

let settings: Settings | null = null
let mainWindow: BrowserWindow | null = null
let pushTimer: NodeJS.Timeout | undefined
let shuttingDown: Promise<void> | null = null

/** Pushes a contract event to every window of the console. */
const emitToWindows: EmitEvent = (event, payload) =>
  broadcast(
    BrowserWindow.getAllWindows().map((window) => window.webContents),
    event,
    payload,
  )

const supervisor = createServerSupervisor({
  async start() {
    // Read afresh on every attempt: Retry after fixing settings.json or DATABASE_URL must see it.
    settings = null
    settings = await loadSettings()
    const server = await startServer(settings, logger, { logDir })
    // Changes made on other consoles and by crews reach the window live; the hub's listeners go
    // with it when the server closes.
    forwardChanges(server.events, emitToWindows)
    const stopNotifications = startDesktopNotifications({
      source: server.events,
      services: server.services,
      show: (notice) => {
        if (Notification.isSupported()) {
          new Notification({ title: notice.title, body: notice.body }).show()
        }
      },
      logger,
    })
    return {
      services: server.services,
      close: async () => {
        stopNotifications()
        await server.close()
      },
    }
  },
  failedStatus: (error) => failedStartStatus(error, settings),
  onChange: () => void pushStatus(),
  logger,
})

async function pushStatus(): Promise<void> {
  try {
    const status = await supervisor.snapshot()
    if (status) emitToWindows('app:status', status)
  } catch (error) {
    logger.error({ err: error }, 'could not push the status to the window')
  }
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: APP_NAME,
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    autoHideMenuBar: true,
    // The page's own background, so the window does not flash white in dark mode.
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#111418' : '#f4f5f7',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })
  window.once('ready-to-show', () => window.show())
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null
  })
  const loading = devServerUrl ? window.loadURL(devServerUrl) : window.loadFile(rendererFile)
  loading.catch((error: unknown) => logger.error({ err: error }, 'the console page did not load'))
  return window
}

/** Stops the server (and the embedded PostgreSQL it owns) before the process goes. */
function shutdown(reason: string): Promise<void> {
  shuttingDown ??= (async () => {
    logger.info({ reason }, 'console shutting down')
    clearInterval(pushTimer)
    let code = 0
    try {
      await supervisor.stop()
    } catch (error) {
      code = 1
      logger.error({ err: error }, 'the dispatch server did not stop cleanly')
    }
    log.flush()
    app.exit(code)
  })()
  return shuttingDown
}

if (!app.requestSingleInstanceLock()) {
  // Another console owns the data directory and its PostgreSQL; it comes to the front instead.
  app.quit()
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })

  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, isAppUrl, (url) => shell.openExternal(url))
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  app.on('before-quit', (event) => {
    // app.exit() in shutdown() quits without emitting before-quit again.
    event.preventDefault()
    void shutdown('quit')
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (shuttingDown) {
        logger.warn({ signal }, 'second signal: exiting now')
        app.exit(130)
        return
      }
      void shutdown(signal)
    })
  }

  app
    .whenReady()
    .then(async () => {
      // Before the server starts, so its first lines are in the file too; a log that cannot be
      // opened (a read-only disk) is said on stderr and the console runs on.
      await openLogFiles(logDir).then(
        (stream) => log.add(stream),
        (error: unknown) => logger.error({ err: error, logDir }, 'could not open the log files'),
      )
      enforceContentSecurityPolicy(session.defaultSession, contentSecurityPolicy(devServerUrl))
      denyPermissions(session.defaultSession)
      const desktop = {
        chooseTripFiles: () =>
          chooseTripFiles({
            showOpenDialog: (options) =>
              mainWindow
                ? dialog.showOpenDialog(mainWindow, options)
                : dialog.showOpenDialog(options),
          }),
      }
      registerHandlers(ipcMain, createHandlers(supervisor, emitToWindows, desktop), {
        trustSender: (event: IpcMainInvokeEvent) =>
          event.senderFrame !== null && isAppUrl(event.senderFrame.url),
        onError: (channel, error) => logger.error({ err: error, channel }, 'IPC handler failed'),
      })

      void supervisor.start()
      mainWindow = createWindow()
      pushTimer = setInterval(() => void pushStatus(), STATUS_PUSH_MS)

      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow()
      })
    })
    .catch((error: unknown) => {
      // Only a programming error lands here; a server that fails to start is shown in the window.
      logger.fatal({ err: error }, 'the console could not start')
      app.exit(1)
    })
}
