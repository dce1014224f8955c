// Drives the simulator with Xen Orchestra's xen-api client over JSON-RPC and prints what it saw
// as one JSON line. Usage: node xo-client.mjs MASTER_URL SLAVE_URL USER PASSWORD
import { Xapi } from 'xen-api'

const [masterUrl, slaveUrl, user, password] = process.argv.slice(2)
const open = async url => {
  const xapi = new Xapi({ url, auth: { user, password }, allowUnauthorized: true, watchEvents: false, transport: 'json-rpc' })
  await xapi.connect()
  return xapi
}

const seen = {}
const xapi = await open(masterUrl)
const records = await xapi.call('VM.get_all_records')
seen.vmNames = Object.values(records).map(vm => vm.name_label)
const [runningRef] = Object.entries(records).find(([, vm]) => vm.power_state === 'Running' && !vm.is_control_domain)
seen.runningRef = runningRef
try {
  await xapi.call('VM.start', runningRef, false, false)
  seen.startError = null
} catch (error) {
  seen.startError = { code: error.code, params: error.params }
}
await xapi.disconnect()

const viaSlave = await open(slaveUrl)
// xen-api keeps the URL it ended on after following HOST_IS_SLAVE; no public getter exists.
seen.afterSlaveHostname = viaSlave._url.hostname
seen.poolNameViaSlave = Object.values(await viaSlave.call('pool.get_all_records'))[0].name_label
await viaSlave.disconnect()

console.log(JSON.stringify(seen))
