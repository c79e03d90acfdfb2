import { TRIP_FILE_NAME, type ChosenFiles } from '../shared/trips.js'

/** The part of Electron's `dialog` used here (bound to the console's window), so tests fake it. */
export interface OpenDialogLike {
  showOpenDialog(options: {
    title: string
    buttonLabel: string
    filters: { name: string; extensions: string[] }[]
    properties: ('openFile' | 'multiSelections')[]
  }): Promise<{ canceled: boolean; filePaths: string[] }>
}

/** The native open dialog for trip files; canceled is no files, not an error. */
export async function chooseTripFiles(dialog: OpenDialogLike): Promise<ChosenFiles> {
  const result = await dialog.showOpenDialog({
    title: 'Import trip files',
    buttonLabel: 'Import',
    filters: [
      { name: 'Trip files (.csv, .csv.gz, .zip)', extensions: ['csv', 'gz', 'zip'] },
      { name: 'All files', extensions: ['*'] },
    ],
    properties: ['openFile', 'multiSelections'],
  })
  if (result.canceled) return { paths: [] }
  // "All files" lets anything through; trips:import would refuse it, so say so here already.
  const paths = result.filePaths.filter((path) => TRIP_FILE_NAME.test(path))
  const refused = result.filePaths.filter((path) => !TRIP_FILE_NAME.test(path))
  if (refused.length > 0 && paths.length === 0) {
    throw new Error(`not a trip file (.csv, .csv.gz or .zip): ${refused.join(', ')}`)
  }
  return { paths }
}
