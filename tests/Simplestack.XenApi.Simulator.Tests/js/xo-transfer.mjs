// Copies a VM as Xen Orchestra does: its export stream piped straight into an import, both with
// tasks watched through events, and prints what it saw as one JSON line. Piping a stream of
// unknown length makes xen-api send a probe PUT first, then the upload with Content-Length 1 PiB.
// Usage: node xo-transfer.mjs MASTER_URL USER PASSWORD VM_NAME SR_UUID
import { Xapi } from 'xen-api'

const [url, user, password, vmName, srUuid] = process.argv.slice(2)
const xapi = new Xapi({ url, auth: { user, password }, allowUnauthorized: true, transport: 'json-rpc' })
await xapi.connect()

const [vm] = await xapi.call('VM.get_by_name_label', vmName)
const sr = await xapi.call('SR.get_by_uuid', srUuid)
const exported = await xapi.getResource('/export/', { query: { ref: vm, use_compression: 'false' }, task: true })
const seen = {
  exportStatus: exported.statusCode,
  exportHeaders: { contentLength: exported.headers['content-length'] ?? null, taskId: exported.headers['task-id'] ?? null },
}
seen.imported = await xapi.putResource(exported.body, '/import/', { query: { sr_id: sr }, task: true })
seen.exportResult = await exported.task
await xapi.disconnect()

console.log(JSON.stringify(seen))
