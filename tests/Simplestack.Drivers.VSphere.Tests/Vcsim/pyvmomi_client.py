"""An independent vSphere client for the tests: Debian's pyVmomi (python3-pyvmomi) against vcsim.

    python3 pyvmomi_client.py HOST PORT USER PASSWORD VM_NAME
    python3 pyvmomi_client.py HOST PORT USER PASSWORD create|destroy NAME

Lists the VMs through a ContainerView, powers VM_NAME off, tries to power it off again, powers it
on, and prints what it saw as one JSON line. `create` makes a VM named NAME (CreateVM_Task in the
first datacenter's VM folder, the first compute resource's pool, its first datastore) and prints its
uuid; `destroy` powers NAME off if needed and destroys it.
"""
import json
import ssl
import sys

try:
    from pyVim.connect import Disconnect, SmartConnect
    from pyVim.task import WaitForTask
    from pyVmomi import vim
except ImportError as error:
    sys.exit(f"pyVmomi is missing ({error}): install Debian's python3-pyvmomi")

host, port, user, password, vm_name = sys.argv[1:6]
command = vm_name if vm_name in ("create", "destroy") and len(sys.argv) > 6 else None
if command:
    vm_name = sys.argv[6]
# vcsim's certificate is made per run; the tests pin it on their own side.
service = SmartConnect(host=host, port=int(port), user=user, pwd=password,
                       sslContext=ssl._create_unverified_context())
try:
    content = service.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    machines = list(view.view)
    view.Destroy()
    if command == "create":
        datacenter = next(e for e in content.rootFolder.childEntity if isinstance(e, vim.Datacenter))
        compute = next(e for e in datacenter.hostFolder.childEntity if isinstance(e, vim.ComputeResource))
        spec = vim.vm.ConfigSpec(name=vm_name, memoryMB=64, numCPUs=1, guestId="otherGuest64",
                                 files=vim.vm.FileInfo(vmPathName=f"[{compute.datastore[0].name}]"))
        WaitForTask(datacenter.vmFolder.CreateVM_Task(config=spec, pool=compute.resourcePool))
        print(json.dumps({"created": vm_name}))
        sys.exit(0)

    vm = next(m for m in machines if m.name == vm_name)
    if command == "destroy":
        if vm.runtime.powerState != "poweredOff":
            WaitForTask(vm.PowerOffVM_Task())
        WaitForTask(vm.Destroy_Task())
        print(json.dumps({"destroyed": vm_name}))
        sys.exit(0)

    WaitForTask(vm.PowerOffVM_Task())
    after_off = vm.runtime.powerState
    try:
        WaitForTask(vm.PowerOffVM_Task())
        off_again = None
    except vim.fault.InvalidPowerState:
        off_again = "InvalidPowerState"
    WaitForTask(vm.PowerOnVM_Task())
    after_on = vm.runtime.powerState

    print(json.dumps({
        "about": {"name": content.about.name, "apiType": content.about.apiType,
                  "apiVersion": content.about.apiVersion},
        "vms": sorted(m.name for m in machines),
        "afterOff": after_off,
        "offAgain": off_again,
        "afterOn": after_on,
    }))
finally:
    Disconnect(service)
