/**
 * Exits once everything written to stdout and stderr has left the process. Writes to a pipe are
 * asynchronous in Node: `process.exit()` right after a large write dropped all but the pipe's
 * first 65,536 bytes (`balancer report --json | jq` got cut JSON and exit 0), while a file got it
 * whole. An empty write's callback runs after every write queued before it.
 */
export async function exitWhenWritten(code: number): Promise<never> {
  await Promise.all([written(process.stdout), written(process.stderr)])
  process.exit(code)
}

function written(stream: NodeJS.WriteStream): Promise<void> {
  // A reader that went away (`| head`) is no reason to wait or to fail: the output was wanted no
  // further.
  if (stream.destroyed || !stream.writable) return Promise.resolve()
  return new Promise((resolve) => {
    stream.once('error', () => resolve())
    stream.write('', () => resolve())
  })
}
