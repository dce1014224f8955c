"""Reads one VM with Debian's pyVmomi (python3-pyvmomi), an independent vSphere client, for the tests.

    python3 pyvmomi_inspect.py HOST PORT USER PASSWORD VM_NAME

Prints one JSON line: {"exists": false} or the VM's name, BIOS uuid, memory, cpus, annotation,
power state, snapshot names (depth first), disks, NICs and extraConfig (the last value of each key),
as pyVmomi's typed objects hold them.
"""
import json
import ssl
import sys

try:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim
except ImportError as error:
    sys.exit(f"pyVmomi is missing ({error}): install Debian's python3-pyvmomi")


def snapshot_names(trees):
    for tree in trees or []:
        yield tree.name
        yield from snapshot_names(tree.childSnapshotList)


host, port, user, password, vm_name = sys.argv[1:6]
# vcsim's certificate is made per run; the tests pin it on their own side.
service = SmartConnect(host=host, port=int(port), user=user, pwd=password,
                       sslContext=ssl._create_unverified_context())
try:
    content = service.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    found = [m for m in view.view if m.name == vm_name]
    view.Destroy()
    if not found:
        print(json.dumps({"exists": False}))
        sys.exit(0)
    vm = found[0]
    devices = vm.config.hardware.device
    print(json.dumps({
        "exists": True,
        "name": vm.name,
        "uuid": vm.config.uuid,
        "memoryMB": vm.config.hardware.memoryMB,
        "numCPU": vm.config.hardware.numCPU,
        "annotation": vm.config.annotation or "",
        "powerState": str(vm.runtime.powerState),
        "snapshots": list(snapshot_names(vm.snapshot.rootSnapshotList if vm.snapshot else [])),
        "disks": [{"capacityKB": d.capacityInKB, "fileName": d.backing.fileName}
                  for d in devices if isinstance(d, vim.vm.device.VirtualDisk)],
        "nics": [{"mac": d.macAddress, "network": d.deviceInfo.summary}
                 for d in devices if isinstance(d, vim.vm.device.VirtualEthernetCard)],
        "extraConfig": {o.key: o.value for o in vm.config.extraConfig or []},
    }))
finally:
    Disconnect(service)
